import { readFileSync } from "node:fs";
import { SourceMap, type SourceMapping, type SourceMapPayload } from "node:module";
import { relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Compiled } from "./compile.js";

/** Where in the user's code something went wrong. */
export interface SourceSpot {
  /** Relative to the current folder. */
  file: string;
  line: number;
  column?: number;
  /** The line itself, shown under the message. */
  lineText?: string;
}

export interface Frame {
  path: string;
  line: number;
  column: number;
}

/**
 * The error's stack frames in the compiled module at `url`, mapped back to
 * the user's files with the module's source map, innermost first. The
 * error's own stack is rewritten the same way, for --debug. (Node maps
 * traces itself only for files, not data: URLs, and only with source maps
 * turned on for every module loaded after, which costs start-up time.)
 */
export function mapFrames(error: unknown, url: string, compiled: Compiled): Frame[] {
  if (!(error instanceof Error) || !error.stack) return [];
  const map = new SourceMap(JSON.parse(compiled.map) as SourceMapPayload);
  const frames: Frame[] = [];
  const at = new RegExp(`${escapeRegExp(url)}:(\\d+):(\\d+)`, "g");
  error.stack = error.stack.replace(at, (all, line: string, column: string) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as Partial<SourceMapping>;
    if (entry.originalSource === undefined || entry.originalLine === undefined) return all;
    const path = entry.originalSource.startsWith("file:")
      ? fileURLToPath(entry.originalSource)
      : resolve(compiled.outdir, entry.originalSource);
    const frame = { path, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
    frames.push(frame);
    return `${path}:${frame.line}:${frame.column}`;
  });
  return frames;
}

/** A place in a file, with its line of source when the file can be read. */
export function spotAt(path: string, line: number, column?: number): SourceSpot {
  let lineText: string | undefined;
  try {
    lineText = readFileSync(path, "utf8").split(/\r?\n/)[line - 1];
  } catch {
    // The file may be gone or unreadable: the location alone still helps.
  }
  const file = relative(process.cwd(), path).split(sep).join("/");
  return { file, line, ...(column !== undefined ? { column } : {}), ...(lineText !== undefined ? { lineText } : {}) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
