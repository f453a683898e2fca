import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { renderTree, type RenderOptions } from "@jiti/reconciler";
import type { JitiNode } from "@jiti/jsx-runtime";
import type { Cli } from "../cli.js";
import { CliError } from "../cli-error.js";
import { findConfig, loadConfig } from "./config.js";
import { loadStack } from "./_load-stack.js";
import { DEFAULT_FILE } from "../options.js";
import pkg from "../../package.json" with { type: "json" };
import { skewWarning, versionSkews } from "./versions.js";

export interface StackFlags {
  file?: string | undefined;
  env: string;
  stack?: string | undefined;
  tags?: string | undefined;
}

/** The stack file as the user named it, for messages. */
export function stackFile(flags: StackFlags): string {
  return flags.file ?? DEFAULT_FILE;
}

/** A stack as a command renders it. */
export interface LoadedStack {
  /** The element to render, from the stack file, with --env applied. */
  element: JitiNode;
  /** How to render it: under the name --stack gives, with the rules and severities of the nearest jiti.config.ts. */
  options: RenderOptions;
  /** The jiti.config.ts used, if any. */
  config: string | undefined;
}

/** Loads the stack file and the jiti.config.ts nearest it. Calls no AWS API. */
export async function loadedStack(cli: Cli, flags: StackFlags): Promise<LoadedStack> {
  const file = stackFile(flags);
  const timings = cli.timings ? { timings: cli.timings } : {};
  const found = existsSync(resolve(file));
  const config = found ? findConfig(file) : undefined;
  const skews = found ? versionSkews(file) : [];
  if (skews.length > 0) {
    cli.ui.err.write(`${cli.ui.err.c.yellow(skewWarning(skews, pkg.version))}\n`);
    cli.ui.emit("warning", { code: "VersionSkew", skews });
  }
  const [element, settings] = await Promise.all([
    loadStack(file, { env: flags.env, ...timings }),
    config ? loadConfig(config, cli.timings) : {},
  ]);
  const tags = flags.tags === undefined ? {} : { tags: tagsOf(flags.tags) };
  return { element, options: { ...settings, ...(flags.stack ? { stackName: flags.stack } : {}), ...tags }, config };
}

/**
 * The stack's name: --stack when given (the stack file is then not needed,
 * which lets `destroy` and `ls` work from the name alone), else the name the
 * stack file renders with. Calls no AWS API.
 */
export async function stackName(cli: Cli, flags: StackFlags, command: string): Promise<string> {
  if (flags.stack) return flags.stack;
  try {
    const { element, options } = await loadedStack(cli, flags);
    // Only the name is wanted: a stack that breaks a policy rule must still be listed and destroyed.
    return renderTree(element, { ...options, runRules: false }).stack;
  } catch (error) {
    if (error instanceof CliError)
      throw new CliError(error.message, `${error.hint ?? "Check the path"}; or name the stack: jiti ${command} --stack NAME`);
    throw error;
  }
}

/** `stack.tsx`, or the path given, relative to the current folder. */
export function shownFile(flags: StackFlags): string {
  return relative(process.cwd(), stackFile(flags)) || stackFile(flags);
}

/** --tags: a JSON object of strings. */
function tagsOf(text: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.values(value).every((v) => typeof v === "string"))
    throw new CliError(`--tags must be a JSON object of strings (found: ${text})`, `Use --tags '{"cost-centre":"4711"}'`);
  return value as Record<string, string>;
}
