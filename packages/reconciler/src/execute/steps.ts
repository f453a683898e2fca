import type { Action, Plan } from "../plan/index.js";
import type { Step, StepKind } from "./types.js";

/**
 * Builds the steps of a plan. A create/update waits for what it depends on
 * to be usable; a delete waits until everything that used the resource has
 * moved off or gone; a replace is a create and a delete ordered by its
 * strategy.
 */
export function steps(plan: Plan): Map<string, Step> {
  const out = new Map<string, Step>();
  const byKey = new Map(plan.actions.map((a) => [a.key, a]));
  const make = (action: Action, kind: StepKind) => {
    const step: Step = { id: `${kind} ${action.key}`, kind, action, deps: new Set() };
    out.set(step.id, step);
    return step;
  };
  // The step after which an action's resource is usable by dependents.
  const usableAfter = (key: string) => {
    const a = byKey.get(key);
    if (!a) return undefined;
    return a.action === "create" || a.action === "replace" ? `create ${key}` : a.action === "update" ? `update ${key}` : undefined;
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
      const s = make(action, action.action === "update" ? "update" : "create");
      for (const d of action.dependsOn) {
        const r = usableAfter(d);
        if (r) s.deps.add(r);
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
        const r = usableAfter(action.renamedTo);
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
    const step: Step = { id: `complete ${action.key}`, kind: "update", action, deps: new Set([`create ${action.key}`]), completes: true };
    for (const k of action.completeAfter) {
      const r = usableAfter(k);
      if (r) step.deps.add(r);
    }
    out.set(step.id, step);
  }
  for (const action of plan.actions) {
    if (action.action !== "replace") continue;
    if (action.strategy === "delete-first") out.get(`create ${action.key}`)!.deps.add(`delete ${action.key}`);
    else out.get(`delete ${action.key}`)!.deps.add(`create ${action.key}`);
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
