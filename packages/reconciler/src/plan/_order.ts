import type { Graph } from "../graph.js";
import type { Catalogue } from "../read.js";
import type { Action } from "./types.js";
import { isInside } from "../path.js";

/** Fills `dependsOn` and `deleteAfter` of every action. */
export function linkActions(actions: Action[], g: Graph, particles: Catalogue) {
  const byKey = new Map(actions.map((a) => [a.key, a]));
  const creates = (a: Action | undefined) => a !== undefined && (a.action === "create" || a.action === "update" || a.action === "replace");
  for (const a of actions) {
    if (a.action === "create" || a.action === "update" || a.action === "replace") {
      const edges = g.dependsOn.get(a.path) ?? [];
      // A weak reference does not hold back a create: the resource is made
      // without it and completed once the target exists. An update waits only
      // for weak targets made in this run (their ids are new).
      const ordering = edges.filter(
        (e) => !e.weak || (a.action === "update" && e.to !== a.key && ["create", "replace"].includes(byKey.get(e.to)?.action ?? "")),
      );
      a.dependsOn = ordering.map((e) => e.to).filter((k, i, all) => creates(byKey.get(k)) && all.indexOf(k) === i);
      if (a.action !== "update") {
        const pending = edges.filter((e) => e.weak).map((e) => e.to);
        const completeAfter = pending.filter(
          (k, i) => pending.indexOf(k) === i && ["create", "replace"].includes(byKey.get(k)?.action ?? ""),
        );
        if (completeAfter.length > 0) a.completeAfter = completeAfter.sort();
      }
    }
  }
  const removes = actions.filter((a) => a.action === "delete" || a.action === "replace" || a.action === "update");
  const dependsOnType = typeDependencies(particles);
  for (const x of actions) {
    if (x.action !== "delete" && x.action !== "replace") continue;
    const inGraph = g.nodes.has(x.key);
    const after = new Set<string>();
    for (const e of inGraph ? (g.dependents.get(x.key) ?? []) : []) {
      const r = byKey.get(e.from);
      if (!r || r.action === "create" || r.action === "noop") continue;
      // A weak referrer that goes too lets go of its reference itself, as it is deleted:
      // ordering the two would tie referrers that refer to each other in a knot.
      if (e.weak && r.action !== "update") continue;
      after.add(r.key);
    }
    for (const r of removes) {
      if (r === x || (r.action === "update" && inGraph && g.nodes.has(r.key))) continue;
      const descendant = isInside(r.path, x.path);
      const typeDependent = (!inGraph || !g.nodes.has(r.key)) && r.type !== x.type && (dependsOnType.get(r.type)?.has(x.type) ?? false);
      if (descendant || typeDependent) after.add(r.key);
    }
    x.deleteAfter = [...after].sort();
  }
}

/** For each type, the types it may depend on (parents and references, transitively). */
function typeDependencies(particles: Catalogue): Map<string, Set<string>> {
  const byName = new Map([...particles.values()].map((p) => [p.name, p.type]));
  const direct = new Map<string, string[]>();
  for (const p of particles.values()) {
    direct.set(
      p.type,
      [...p.parents, ...(p.references ?? [])].map((n) => byName.get(n)).filter((t): t is string => t !== undefined && t !== p.type),
    );
  }
  const closure = new Map<string, Set<string>>();
  const visit = (type: string, seen: Set<string>) => {
    for (const d of direct.get(type) ?? []) {
      if (seen.has(d)) continue;
      seen.add(d);
      visit(d, seen);
    }
    return seen;
  };
  for (const type of direct.keys()) closure.set(type, visit(type, new Set()));
  return closure;
}

/**
 * Referrers of something that goes delete-first cannot be made new before
 * it is gone: a replace that depends on a delete-first replace or rename is
 * delete-first too. Actions of the tree come in dependency order.
 */
export function propagateDeleteFirst(actions: Action[]) {
  const byKey = new Map(actions.map((a) => [a.key, a]));
  for (const a of actions) {
    if (a.action !== "replace" || a.strategy === "delete-first") continue;
    const deps = a.dependsOn.map((k) => byKey.get(k));
    if (deps.some((d) => d?.strategy === "delete-first" || (d?.createAfter?.length ?? 0) > 0)) a.strategy = "delete-first";
  }
}
