import type { Colors } from "../ui.js";

export interface ResourceRow {
  type: string;
  path: string | null;
  id: string;
  state: string | null;
}

/** `jiti ls`: a table of the stack's live resources. */
export function resourcesText(stack: string, rows: readonly ResourceRow[], c: Colors): string {
  if (rows.length === 0) return `Stack ${c.bold(stack)} owns no resources.`;
  const table = [["TYPE", "PATH", "ID", "STATE"], ...rows.map((r) => [r.type, r.path ?? "(no path tag)", r.id, r.state ?? "-"])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row, n) => {
    const text = row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ");
    return n === 0 ? c.dim(text) : text;
  });
  return [...lines, "", `${rows.length} resource${rows.length === 1 ? "" : "s"} in stack ${c.bold(stack)}.`].join("\n");
}
