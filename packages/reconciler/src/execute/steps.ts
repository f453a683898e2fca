import type { Action, Plan } from "../plan/index.js";
import type { Step, StepKind } from "./types.js";

/**
 * Builds the steps of a plan. A create waits for what it depends on to
 * exist; an update that moves a resource onto another waits until that one
 * is configured too; a delete waits until everything that used the resource
 * has moved off or gone; a replace is a create and a delete ordered by its
 * strategy. `configures` tells which types finish their creates with a
 * `configure` step, which nothing new waits for.
 */
export function steps(plan: Plan, configures: (type: string) => boolean = () => false): Map<string, Step> {
  const out = new Map<string, Step>();
  const byKey = new Map(plan.actions.map((a) => [a.key, a]));
  const make = (action: Action, kind: StepKind, id = `${kind} ${action.key}`) => {
    const step: Step = { id, kind, action, deps: new Set() };
    out.set(step.id, step);
    return step;
  };
  const creates = (a: Action | undefined) => a?.action === "create" || a?.action === "replace";
  // The step after which an action's resource exists: what a new resource needs of it.
  const existsAfter = (key: string) => {
    const a = byKey.get(key);
    return creates(a) ? `create ${key}` : a?.action === "update" ? `update ${key}` : undefined;
  };
  // The step after which it is complete: what a live resource moving onto it needs, so that it keeps serving.
  const readyAfter = (key: string) => {
    const a = byKey.get(key);
    if (creates(a) && configures(a!.type)) return `configure ${key}`;
    return existsAfter(key);
  };
  // The step after which an action no longer uses (or holds) its old resource.
  const goneAfter = (key: string) => {
    const a = byKey.get(key);
    if (!a) return undefined;
    return a.action === "delete" || a.action === "replace" ? `delete ${key}` : a.action === "update" ? `update ${key}` : undefined;
  };
  for (const action of plan.actions) {
    if (action.action === "noop") continue;
    if (action.action === "create" || action.action === "update" || action.action === "replace") {
      const updating = action.action === "update";
      const s = make(action, updating ? "update" : "create");
      for (const d of action.dependsOn) {
        const r = updating ? readyAfter(d) : existsAfter(d);
        if (r) s.deps.add(r);
      }
      if (!updating && configures(action.type)) {
        const configure = make(action, "configure");
        configure.deps.add(s.id);
        configure.continues = true;
      }
      for (const k of action.createAfter ?? []) {
        const r = goneAfter(k);
        if (r) s.deps.add(r);
      }
    }
    if (action.action === "delete" || action.action === "replace") {
      const s = make(action, "delete");
      // Before a delete-first replace (or a rename whose new resource must
      // wait for this delete), referrers cannot move to the new resource: it
      // does not exist yet. They are updated after its create.
      const clashing = plan.actions.some((a) => a.createAfter?.includes(action.key));
      const deleteFirst = (action.action === "replace" && action.strategy === "delete-first") || clashing;
      // A renamed resource goes once its replacement exists, as in a replace.
      if (action.renamedTo) {
        const r = readyAfter(action.renamedTo);
        if (r) s.deps.add(r);
      }
      for (const k of action.deleteAfter) {
        if (deleteFirst && byKey.get(k)?.action === "update") continue;
        const r = goneAfter(k);
        if (r && r !== s.id) s.deps.add(r);
      }
    }
  }
  for (const action of plan.actions) {
    if (!action.completeAfter) continue;
    // After its own configure, which changes the same resource.
    const step = make(action, "update", `complete ${action.key}`);
    step.completes = true;
    step.deps.add(readyAfter(action.key)!);
    for (const k of action.completeAfter) {
      const r = existsAfter(k);
      if (r) step.deps.add(r);
    }
  }
  for (const action of plan.actions) {
    if (action.action !== "replace") continue;
    if (action.strategy === "delete-first") out.get(`create ${action.key}`)!.deps.add(`delete ${action.key}`);
    // The old one serves until the new one is complete.
    else out.get(`delete ${action.key}`)!.deps.add(readyAfter(action.key)!);
  }
  assertAcyclic(out);
  return out;
}

function assertAcyclic(all: Map<string, Step>) {
  const state = new Map<string, number>();
  const visit = (id: string, trail: string[]) => {
    if (state.get(id) === 2) return;
    if (state.get(id) === 1) throw new Error(`jiti: internal error: the plan's steps form a cycle: ${[...trail, id].join(" -> ")}`);
    state.set(id, 1);
    for (const d of all.get(id)?.deps ?? []) visit(d, [...trail, id]);
    state.set(id, 2);
  };
  for (const id of all.keys()) visit(id, []);
}
