import { KNOWN_AFTER_APPLY, spanText, type Action, type Change, type Json, type Plan } from "@jiti/reconciler";
import { isRefValue } from "@jiti/reconciler/particle";
import type { Colors } from "../ui.js";
import { utcText } from "./time.js";

const SYMBOL: Record<Exclude<Action["action"], "noop">, string> = { create: "+", update: "~", replace: "-/+", delete: "-" };

export interface PlanTextOptions {
  /** What the plan is compared with, for "No changes. Live AWS matches …". */
  source?: string;
  /** A destroy plan: says so, and what it means when empty. */
  destroy?: boolean;
}

/**
 * The plan as Terraform users read it: one block per change, with the
 * element path, the changed fields (from → to), what forces a replace and
 * why a resource goes, then the notes and the summary line.
 */
export function planText(plan: Plan, c: Colors, options: PlanTextOptions = {}): string {
  const changes = plan.actions.filter((a) => a.action !== "noop");
  const lines: string[] = [];
  if (changes.length === 0) {
    lines.push(
      options.destroy
        ? `Nothing to destroy: stack ${c.bold(plan.stack)} owns no resources.`
        : `No changes. Live AWS matches ${options.source ?? "the stack"}.`,
    );
  } else {
    lines.push(
      options.destroy
        ? `jiti will delete everything stack ${c.bold(plan.stack)} owns:`
        : `jiti will make these changes to stack ${c.bold(plan.stack)}:`,
      "",
    );
    // A blank line around every block that has details; one-line blocks (plain deletes) stay together.
    const blocks = changes.map((action) => actionLines(action, c, options.destroy === true));
    blocks.forEach((block, i) => {
      const next = blocks[i + 1];
      lines.push(...block, ...(next && block.length === 1 && next.length === 1 ? [] : [""]));
    });
  }
  if (plan.expiry) lines.push("", expiryLine(plan.expiry, c));
  if (plan.notes.length > 0) lines.push("", c.yellow("Notes:"), ...plan.notes.map((n) => `  - ${n}`), "");
  if (changes.length > 0) lines.push(summaryLine(plan, c));
  return lines.join("\n").replace(/\n{3,}/g, "\n\n");
}

/** What the apply does to the stack's expiry: no change to any resource, but worth saying. */
export function expiryLine(expiry: NonNullable<Plan["expiry"]>, c: Colors, now = Date.now()): string {
  const on = expiry.renew === 1 ? "1 resource" : `${expiry.renew} resources`;
  if (expiry.at === null) return `${c.bold("Expiry:")} the stack no longer expires; the apply removes the expiry from ${on}.`;
  const when = `${utcText(expiry.at)} (in ${spanText(Date.parse(expiry.at) - now)})`;
  return `${c.bold("Expires:")} ${when}${expiry.renew > 0 ? `; the apply renews it on ${on}` : ""}.`;
}

export function summaryLine(plan: Plan, c: Colors): string {
  const s = plan.summary;
  return `${c.bold("Plan:")} ${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.delete} to delete.`;
}

/**
 * What the run keeps in the account although the stack lets go of it: one
 * line each, with its id, for the user to find (and delete by hand once its
 * data is no longer needed). Empty when nothing is retained.
 */
export function retainedText(plan: Plan, c: Colors): string {
  const retained = plan.actions.filter((a) => a.retain);
  if (retained.length === 0) return "";
  return [
    c.yellow(
      `Retained ${retained.length === 1 ? "1 resource" : `${retained.length} resources`}, left in the account without the stack's tags:`,
    ),
    ...retained.map((a) => `  ${a.id} ${c.dim(a.type)} ${a.path || a.key}`),
    c.dim("jiti no longer manages them: delete them by hand once their data is no longer needed."),
  ].join("\n");
}

export function hasChanges(plan: Plan): boolean {
  return plan.actions.some((a) => a.action !== "noop");
}

function actionLines(action: Action, c: Colors, destroy: boolean): string[] {
  const verb = action.action as Exclude<Action["action"], "noop">;
  const colour = { create: c.green, update: c.yellow, replace: c.magenta, delete: c.red }[verb];
  const head = [
    colour(SYMBOL[verb].padStart(3)),
    c.bold(action.path || action.key),
    c.dim(action.type),
    ...(action.id ? [action.id] : []),
    ...(action.source ? [c.dim(`(${action.source})`)] : []),
  ].join(" ");
  const lines = [head];
  const pad = "      ";
  // A rename is a replace under a new path: the create says which element it replaces, and in which order.
  if (verb === "create" && action.reason) lines.push(`${pad}${c.dim(`# ${action.reason}`)}`);
  if (verb === "replace") {
    const how =
      action.strategy === "delete-first"
        ? "deletes the old one first, then creates the new one"
        : "creates the new one first, then deletes the old one";
    lines.push(`${pad}${c.dim(`# replaced: ${how}`)}`);
    if (action.retain)
      lines.push(`${pad}${c.yellow(`# retained: the old one (${action.id}) stays in the account, no longer the stack's`)}`);
  }
  if (verb === "delete") {
    // A destroy says once, above, why everything goes.
    if (action.reason && !destroy) lines.push(`${pad}${c.dim(`# ${action.reason}`)}`);
    if (action.retain)
      lines.push(`${pad}${c.yellow("# retained: jiti lets go of it, not deletes it: it stays in the account, no longer the stack's")}`);
    return lines;
  }
  const width = Math.max(0, ...action.changes.map((ch) => ch.field.length));
  for (const change of action.changes) lines.push(...changeLines(change, verb, width, pad, c));
  return lines;
}

function changeLines(change: Change, verb: string, width: number, pad: string, c: Colors): string[] {
  const label = `${change.field}:`.padEnd(width + 1);
  const forces = change.forcesReplace ? `  ${c.red("# forces replacement")}` : "";
  if (verb === "create") return [`${pad}${label} ${value(change.to, c)}`];
  if (isObject(change.from) && isObject(change.to)) {
    return [`${pad}${change.field}:${forces}`, ...objectDiff(change.from, change.to, `${pad}    `, c)];
  }
  return [`${pad}${label} ${value(change.from, c)} ${c.dim("→")} ${value(change.to, c)}${forces}`];
}

/** Keys of a map (tags) that were added, changed or removed, one per line. */
function objectDiff(from: Record<string, Json>, to: Record<string, Json>, pad: string, c: Colors): string[] {
  const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  const lines: string[] = [];
  for (const key of keys) {
    const a = from[key];
    const b = to[key];
    if (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b)) continue;
    if (a === undefined) lines.push(`${pad}${c.green("+")} ${key}: ${value(b, c)}`);
    else if (b === undefined) lines.push(`${pad}${c.red("-")} ${key}: ${value(a, c)}`);
    else lines.push(`${pad}${c.yellow("~")} ${key}: ${value(a, c)} ${c.dim("→")} ${value(b, c)}`);
  }
  return lines;
}

/** A value on one line: JSON, but `(known after apply)` and absent values as words. */
function value(v: Json | undefined, c: Colors): string {
  if (v === undefined) return c.dim("(none)");
  if (v === KNOWN_AFTER_APPLY) return c.dim(KNOWN_AFTER_APPLY);
  if (isRefValue(v)) return `ref(${v.$ref})`;
  return JSON.stringify(v);
}

function isObject(v: Json | undefined): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isRefValue(v);
}
