import type { StackSummary, SweepEntry } from "@jiti/reconciler";
import type { Colors } from "../ui.js";
import { table } from "./table.js";
import { agoText, utcText } from "./time.js";

/** `1 Vpc, 2 Subnet, 1 Ec2`. */
export function kindsText(resources: Record<string, number>): string {
  return Object.entries(resources)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(", ");
}

function expiresCell(stack: StackSummary, now: number): string {
  if (stack.expires === undefined) return "never";
  const left = Date.parse(stack.expires) - now;
  return left > 0 ? `${utcText(stack.expires)}` : `${utcText(stack.expires)} (expired)`;
}

/** `jiti stacks`: one row per stack, from its resources' tags. */
export function stacksText(stacks: readonly StackSummary[], where: string, c: Colors, now = Date.now()): string {
  if (stacks.length === 0) return `No jiti stacks in ${where}.`;
  const rows = [
    ["STACK", "RESOURCES", "CREATED", "LAST APPLIED", "EXPIRES", "TAGS"],
    ...stacks.map((s) => [
      s.name,
      kindsText(s.resources),
      s.created ? agoText(s.created, now) : "-",
      s.lastApplied ? agoText(s.lastApplied, now) : "-",
      expiresCell(s, now),
      Object.entries(s.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ") || "-",
    ]),
  ];
  return [...table(rows, c), "", `${stacks.length} stack${stacks.length === 1 ? "" : "s"} in ${where}.`].join("\n");
}

/** `jiti sweep`'s plan: the stacks it destroys, then those it keeps and why. */
export function sweepText(entries: readonly SweepEntry[], where: string, c: Colors): string {
  const swept = entries.filter((e) => e.sweep);
  const kept = entries.filter((e) => !e.sweep);
  const lines: string[] = [];
  if (swept.length === 0) lines.push(`No stack in ${where} is due to be swept.`);
  else {
    lines.push(`jiti sweep will destroy ${swept.length} stack${swept.length === 1 ? "" : "s"} in ${where}:`, "");
    lines.push(
      ...table([["STACK", "RESOURCES", "WHY"], ...swept.map((e) => [c.red(e.stack.name), kindsText(e.stack.resources), e.reason])], c),
    );
  }
  if (kept.length > 0) {
    lines.push("", `Kept (${kept.length}):`, "");
    lines.push(...table([["STACK", "WHY"], ...kept.map((e) => [e.stack.name, e.reason])], c));
  }
  return lines.join("\n");
}
