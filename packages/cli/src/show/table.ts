import type { Colors } from "../ui.js";

/** A table, its first row the heading (dimmed), its columns as wide as their widest cell. */
export function table(rows: readonly (readonly string[])[], c: Colors): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row, n) => {
    const text = row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ");
    return n === 0 ? c.dim(text) : text;
  });
}
