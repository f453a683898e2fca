import { existsSync, statSync } from "node:fs";
import { relative, resolve } from "node:path";
import { createElement, isElement, type JitiNode } from "@jiti/jsx-runtime";
import { CliError } from "../cli-error.js";
import { importUserFile, StackLoadError } from "./import.js";
import { loadModule } from "./modules.js";
import type { Timings } from "../timings.js";

export interface LoadOptions {
  /** Passed to a stack component as its `env` prop. */
  env: string;
  timings?: Timings;
}

/**
 * Loads `stack.tsx`: compiles it (see compile.ts), imports it, and returns
 * the element to render: the default export, called as a component with
 * `{ env }` when it is one.
 */
export async function loadStack(file: string, options: LoadOptions): Promise<JitiNode> {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) {
    const shown = relative(process.cwd(), path) || file;
    throw new CliError(
      `no stack file at ${shown}`,
      file === "stack.tsx"
        ? "Run jiti in the folder that holds stack.tsx, or pass the file's path; to start a stack for the app here, run jiti init"
        : "Check the path",
    );
  }
  // Every stack imports the particles: load them (the AWS SDK, the largest
  // part of start-up) while esbuild compiles in its own process.
  const particles = loadModule("@jiti/aws-particles");
  const [exported] = await Promise.all([importUserFile(path, "the stack", options.timings), particles]);

  let element: JitiNode;
  if (typeof exported === "function") element = createElement(exported as never, { env: options.env }, undefined, undefined);
  else if (isElement(exported)) element = exported;
  else {
    const shown = relative(process.cwd(), path);
    throw new StackLoadError(
      exported === undefined
        ? `${shown} has no default export`
        : `the default export of ${shown} is not a stack (found: ${typeof exported})`,
      undefined,
      "Export the stack as default: `export default function App({ env }) { return <Stack name={`app-${env}`}>…</Stack>; }`, or `export default <Stack …>…</Stack>`",
    );
  }
  return element;
}
