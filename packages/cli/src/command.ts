import { defineCommand, type ArgsDef, type ArgType, type CommandDef, type ParsedArgs } from "citty";
import type { Cli } from "./cli.js";
import { CliError } from "./cli-error.js";

/**
 * A `jiti` command as citty runs it, with its name, description and flags as
 * plain values: main.ts reads every command's flags to find the one named.
 */
export interface JitiCommand extends CommandDef {
  meta: { name: string; description: string };
  args: ArgsDef;
}

/**
 * Defines a `jiti` command. `run` is given the CLI (how to talk to the user,
 * the clock) and the parsed flags, and resolves with the exit code. A flag
 * that `args` does not define is an error before `run` starts: citty accepts
 * any, and a typo (`--detailed-exitcodes`) must not be silently ignored on a
 * command that changes infrastructure.
 */
export function defineJitiCommand<const A extends ArgsDef>(command: {
  meta: { name: string; description: string };
  args: A;
  run(cli: Cli, flags: ParsedArgs<A>): Promise<number>;
}): JitiCommand {
  const { meta, args } = command;
  const def = defineCommand<ArgsDef>({
    meta,
    args,
    run({ args: flags, rawArgs, data }) {
      rejectUnknownFlags(meta.name, rawArgs, args);
      // citty parsed the flags by `args`. main.ts hands the CLI over as
      // citty's `data`, the one value citty passes through to a command.
      return command.run(data as Cli, flags as ParsedArgs<A>);
    },
  });
  return { ...def, meta, args };
}

/**
 * Where in `rawArgs` the command is named: the first word that names one,
 * else the first word (-1 when there is none). A flag's value is never a
 * word (`jiti --stack render destroy` destroys the stack named "render"):
 * flags may come before the command's name, so which flags take a value is
 * what any command's own flags say.
 */
export function commandIndex(rawArgs: readonly string[], commands: Record<string, { args: ArgsDef }>): number {
  // A flag's name means the same in every command (`--stack NAME`), so their flags merge.
  const flags: ArgsDef = Object.assign({}, ...Object.values(commands).map((command) => command.args));
  const words = readWords(rawArgs, flags).filter((word) => word.kind === "positional");
  return (words.find((word) => Object.hasOwn(commands, word.text)) ?? words[0])?.at ?? -1;
}

function rejectUnknownFlags(command: string, rawArgs: readonly string[], args: ArgsDef): void {
  const positionals = Object.values(args).filter((def) => def.type === "positional").length;
  let seen = 0;
  for (const word of readWords(rawArgs, args)) {
    if (word.kind === "positional" && ++seen > positionals) {
      throw new CliError(`unexpected argument "${word.text}"`, `See jiti ${command} --help`);
    }
    if (word.kind === "flag" && !word.known && !ALWAYS_KNOWN.includes(word.name)) {
      throw new CliError(`unknown option ${word.text.split("=")[0]}`, `See jiti ${command} --help`);
    }
  }
}

/** What main.ts answers for every command. */
const ALWAYS_KNOWN = ["help", "h", "version", "v"];

/** A word of a command line, `at` its index there. */
type Word =
  { kind: "positional" | "value"; text: string; at: number } | { kind: "flag"; text: string; at: number; name: string; known: boolean };

/**
 * The words of a command line as `args` reads them, up to `--` (what follows
 * is not ours): flags, flags' values and positionals. A flag of type string
 * or enum takes the next word as its value, unless written `--flag=value`.
 */
function readWords(rawArgs: readonly string[], args: ArgsDef): Word[] {
  const types = flagTypes(args);
  const words: Word[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const text = rawArgs[i]!;
    if (text === "--") break;
    if (!text.startsWith("-") || text === "-") {
      words.push({ kind: "positional", text, at: i });
      continue;
    }
    const name = text.replace(/^--?/, "").split("=")[0]!;
    // `--no-color` is citty's negation of the boolean `color`.
    const negation = name.startsWith("no-") && types.get(name.slice(3)) === "boolean";
    const type = types.get(name) ?? (negation ? "boolean" : undefined);
    words.push({ kind: "flag", text, at: i, name, known: types.has(name) || negation });
    if ((type === "string" || type === "enum") && !text.includes("=") && i + 1 < rawArgs.length) {
      i++;
      words.push({ kind: "value", text: rawArgs[i]!, at: i });
    }
  }
  return words;
}

/** Every name a flag of `args` answers to (`detailed-exitcode`, `output`, its alias `o`), with its type. */
function flagTypes(args: ArgsDef): Map<string, ArgType> {
  const types = new Map<string, ArgType>();
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const alias = "alias" in def ? def.alias : undefined;
    const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
    for (const n of [name, kebab(name), ...aliases]) types.set(n, def.type);
  }
  return types;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
