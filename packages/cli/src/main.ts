import { stripVTControlCharacters } from "node:util";
import { defineCommand, renderUsage, runCommand } from "citty";
import pkg from "../package.json" with { type: "json" };
import type { Cli } from "./cli.js";
import { CliError } from "./cli-error.js";
import { commandIndex, type JitiCommand } from "./command.js";
import { awsContext } from "./options.js";
import { formatTimings, Timings } from "./timings.js";
import { createUi } from "./ui.js";

/**
 * The `jiti` command. The commands' modules are imported only after
 * `--version` is answered, and the AWS SDK only when a command loads a stack
 * (see load/modules.ts), so `jiti --help` and `jiti --version` start in a
 * few milliseconds.
 */
async function main(rawArgs: string[]): Promise<number> {
  // On Node 20 the SDK warns that its releases from 2027 will need Node 22:
  // nothing a user can act on in the middle of a command.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const flag = (name: string) => rawArgs.slice(0, until(rawArgs)).includes(name);
  const cli: Cli = {
    ui: createUi({ json: flag("--json"), debug: flag("--debug"), color: !flag("--no-color") }),
    timings: flag("--timings") || process.env.JITI_TIMINGS ? new Timings() : undefined,
  };
  cli.timings?.lap("start");
  let name: string | undefined;
  try {
    if (flag("--version") || (rawArgs.length === 1 && rawArgs[0] === "-v")) {
      cli.ui.out.write(`${pkg.version}\n`);
      return 0;
    }
    // All of them, to find the one named: their flags say which words are flags' values.
    const { commands: list } = await import("./commands/index.js");
    const commands: Record<string, JitiCommand> = Object.fromEntries(list.map((command) => [command.meta.name, command]));
    const at = commandIndex(rawArgs, commands);
    name = rawArgs[at];
    const command = name !== undefined && Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (flag("--help") || flag("-h") || rawArgs.length === 0) {
      const root = defineCommand({
        meta: { name: "jiti", version: pkg.version, description: "Make live AWS match the JSX stack in stack.tsx" },
        subCommands: commands,
      });
      const usage = await renderUsage(command ?? root, command ? root : undefined);
      // citty colours its usage by its own rules; ours are --no-color, NO_COLOR and the terminal.
      cli.ui.out.write(`${cli.ui.out.color ? usage : stripVTControlCharacters(usage)}\n`);
      return 0;
    }
    if (!command) {
      throw new CliError(`unknown command "${name}"`, `The commands are ${Object.keys(commands).join(", ")}; see jiti --help`);
    }
    // The command itself, not the root: citty drops a sub-command's result, which is our exit code.
    // Flags may come before the command's name (`jiti --json plan`).
    const { result } = await runCommand(command, { rawArgs: rawArgs.filter((_, i) => i !== at), data: cli });
    return typeof result === "number" ? result : 0;
  } catch (error) {
    const { showError } = await import("./show/errors.js");
    const shown = showError(citty(error), cli.ui.err.c, { command: name ?? "", debug: cli.ui.debug, ...awsContext(rawArgs) });
    cli.ui.err.write(`${shown.text}\n`);
    cli.ui.emit("error", shown.json);
    return (error as { exitCode?: number }).exitCode ?? 1;
  } finally {
    if (cli.timings) {
      const report = cli.timings.report();
      if (cli.ui.json) cli.ui.emit("timings", report);
      else cli.ui.err.write(`${cli.ui.err.c.dim(formatTimings(report))}\n`);
    }
  }
}

/** Flags after `--` are not ours. */
function until(rawArgs: string[]): number {
  const end = rawArgs.indexOf("--");
  return end === -1 ? rawArgs.length : end;
}

/** citty's own errors (a bad enum value, a missing argument) are usage errors. */
function citty(error: unknown): unknown {
  if (error instanceof Error && error.name === "CLIError") return new CliError(stripVTControlCharacters(error.message), "See jiti --help");
  return error;
}

const code = await main(process.argv.slice(2));
// Let stdout drain (a pipe to a slow reader), then exit: the AWS SDK's
// keep-alive sockets would otherwise hold the process open for a while.
process.stdout.write("", () => process.exit(code));
