import { relative } from "node:path";
import { renderTree, type RenderOptions } from "@jiti/reconciler";
import type { JitiNode } from "@jiti/jsx-runtime";
import type { Cli } from "../cli.js";
import { CliError } from "../cli-error.js";
import { loadStack } from "./_load-stack.js";
import { DEFAULT_FILE } from "../options.js";

export interface StackFlags {
  file?: string | undefined;
  env: string;
  stack?: string | undefined;
}

/** The stack file as the user named it, for messages. */
export function stackFile(flags: StackFlags): string {
  return flags.file ?? DEFAULT_FILE;
}

/** The element to render, from the stack file, with --env applied. */
export async function stackElement(cli: Cli, flags: StackFlags): Promise<JitiNode> {
  return loadStack(stackFile(flags), { env: flags.env, ...(cli.timings ? { timings: cli.timings } : {}) });
}

/** How to render it: under the name --stack gives, if any. */
export function renderOptions(flags: Pick<StackFlags, "stack">): RenderOptions {
  return flags.stack ? { stackName: flags.stack } : {};
}

/**
 * The stack's name: --stack when given (the stack file is then not needed,
 * which lets `destroy` and `ls` work from the name alone), else the name the
 * stack file renders with. Calls no AWS API.
 */
export async function stackName(cli: Cli, flags: StackFlags, command: string): Promise<string> {
  if (flags.stack) return flags.stack;
  try {
    return renderTree(await stackElement(cli, flags)).stack;
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
