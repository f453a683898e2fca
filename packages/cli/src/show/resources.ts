import type { Colors } from "../ui.js";
import { table } from "./table.js";
import { expiresText } from "./time.js";

export interface ResourceRow {
  type: string;
  path: string | null;
  id: string;
  state: string | null;
}

/** `jiti ls`: a table of the stack's live resources, then how many and, for a stack that expires, when. */
export function resourcesText(stack: string, rows: readonly ResourceRow[], c: Colors, expires?: string): string {
  if (rows.length === 0) return `Stack ${c.bold(stack)} owns no resources.`;
  const lines = table([["TYPE", "PATH", "ID", "STATE"], ...rows.map((r) => [r.type, r.path ?? "(no path tag)", r.id, r.state ?? "-"])], c);
  const count = `${rows.length} resource${rows.length === 1 ? "" : "s"} in stack ${c.bold(stack)}`;
  return [...lines, "", expires ? `${count}; it ${expiresText(expires, c)}.` : `${count}.`].join("\n");
}
