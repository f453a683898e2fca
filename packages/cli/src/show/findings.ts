import { formatProblem, type Problem } from "@jiti/reconciler";
import type { Colors } from "../ui.js";

/** What a check of the stack found: errors fail it, warnings do not, waived findings carry their reason. */
export interface Findings {
  errors: readonly Problem[];
  warnings: readonly Problem[];
  waived: readonly Problem[];
}

/**
 * One problem on one line, its `stack.tsx` line in colour, and the rule that
 * found it in brackets: the id to waive or configure (none for a mandatory
 * rule, which cannot be waived).
 */
export function problemLine(p: Problem, c: Colors): string {
  const text = formatProblem(p);
  const rule = p.rule && !p.mandatory ? ` ${c.dim(`[${p.rule}]`)}` : "";
  const located = p.source && text.startsWith(`${p.source}: `) ? `${c.cyan(p.source)}: ${text.slice(p.source.length + 2)}` : text;
  return `${located}${rule}`;
}

/** The warnings and waived findings shown above a plan; empty when there are none. */
export function findingsText(found: Omit<Findings, "errors">, c: Colors): string {
  const lines: string[] = [];
  if (found.warnings.length > 0) lines.push(c.yellow("Warnings:"), ...found.warnings.map((p) => `  - ${problemLine(p, c)}`), "");
  if (found.waived.length > 0) {
    lines.push(c.dim("Waived:"), ...found.waived.map((p) => `  - ${problemLine(p, c)} ${c.dim(`waived: ${p.waived}`)}`), "");
  }
  return lines.join("\n");
}

/** `jiti check`'s report: every finding, then a summary line, and which configuration gave the rules. */
export function checkText(found: Findings, c: Colors, file: string, config?: string): string {
  const lines: string[] = [];
  if (found.errors.length > 0) lines.push(c.red(c.bold("Errors:")), ...found.errors.map((p) => `  - ${problemLine(p, c)}`), "");
  const besides = findingsText(found, c);
  if (besides) lines.push(besides);
  if (config) lines.push(c.dim(`Rules and severities from ${config}.`));
  const summary = summaryLine(found, file);
  lines.push(found.errors.length > 0 ? c.red(c.bold(summary)) : c.green(c.bold(summary)));
  return lines.join("\n").replace(/\n{3,}/g, "\n\n");
}

/** `Check failed: 2 errors, 1 warning, 1 waived in stack.tsx.` */
export function summaryLine(found: Findings, file: string): string {
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
  const summary = `${count(found.errors.length, "error")}, ${count(found.warnings.length, "warning")}, ${found.waived.length} waived`;
  return `${found.errors.length > 0 ? "Check failed" : "Check passed"}: ${summary} in ${file}.`;
}
