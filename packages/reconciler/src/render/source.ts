import type { Source } from "@jiti/jsx-runtime";
import { relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * `stack.tsx:12`: the element's file relative to `root`, with `/` on every
 * platform, so trees and errors are the same on every machine.
 */
export function formatSource(source: Source | undefined, root: string): string | undefined {
  if (!source?.fileName) return undefined;
  const file = source.fileName.startsWith("file:") ? fileURLToPath(source.fileName) : source.fileName;
  const shown = relative(root, file).split(sep).join("/");
  return `${shown}:${source.lineNumber}`;
}
