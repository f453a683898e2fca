import {
  applyEdits,
  findNodeAtLocation,
  modify,
  parse,
  parseTree,
  printParseErrorCode,
  type FormattingOptions,
  type JSONPath,
  type ParseError,
} from "jsonc-parser";
import { CliError } from "../cli-error.js";

/*
 * Edits of a JSON or JSONC file (package.json, tsconfig.json) that leave what
 * they do not change as it was: comments, key order, indentation, line
 * endings. Each is a text edit that jsonc-parser computes against the text as
 * it is, not a parse and a re-print.
 */

/** The object `text` holds; else a CliError naming `file`, the line and what is wrong. */
export function readJsonc(text: string, file: string): Record<string, unknown> {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true });
  const error = errors[0];
  if (error) {
    const line = text.slice(0, error.offset).split("\n").length;
    throw new CliError(
      `${file}:${line} is not valid JSON (found: ${printParseErrorCode(error.error)})`,
      `Fix ${file}, then run jiti init again`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CliError(`${file} does not hold a JSON object (found: ${JSON.stringify(value)})`, `Fix ${file}, then run jiti init again`);
  }
  return value as Record<string, unknown>;
}

/**
 * `text` with the property at `path` set, the objects above it created as
 * needed. A new key goes at `at(keys)` among its siblings (default: last).
 */
export function setProperty(text: string, path: JSONPath, value: unknown, at?: (keys: string[]) => number): string {
  const formattingOptions = formattingOf(text);
  return applyEdits(text, modify(text, path, value, at ? { formattingOptions, getInsertionIndex: at } : { formattingOptions }));
}

/**
 * `text` with `values` appended to the array at `path`. An array written on
 * one line stays on one line (`["src", "stack.tsx"]`), which jsonc-parser
 * would spread over several.
 */
export function appendItems(text: string, path: JSONPath, values: readonly string[]): string {
  const node = findNodeAtLocation(parseTree(text)!, path);
  if (node?.type !== "array") throw new Error(`jiti: internal error: ${path.join(".")} is not an array`);
  if (text.slice(node.offset, node.offset + node.length).includes("\n")) {
    const formattingOptions = formattingOf(text);
    return values.reduce(
      (edited, value) => applyEdits(edited, modify(edited, [...path, -1], value, { formattingOptions, isArrayInsertion: true })),
      text,
    );
  }
  const last = node.children?.at(-1);
  const items = values.map((value) => JSON.stringify(value)).join(", ");
  const offset = last ? last.offset + last.length : node.offset + 1;
  return applyEdits(text, [{ offset, length: 0, content: last ? `, ${items}` : items }]);
}

/** Where a new key goes to keep the keys in order, as npm keeps dependencies. */
export function sortedPosition(key: string): (keys: string[]) => number {
  return (keys) => {
    const at = keys.findIndex((existing) => existing > key);
    return at === -1 ? keys.length : at;
  };
}

/** The indentation and line ending the file already uses (two spaces and \n in a file without either). */
function formattingOf(text: string): FormattingOptions {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? "  ";
  const tabs = indent.startsWith("\t");
  return { insertSpaces: !tabs, tabSize: tabs ? 1 : indent.length, eol: text.includes("\r\n") ? "\r\n" : "\n" };
}
