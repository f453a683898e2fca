import type { Graph } from "../graph.js";
import type { LiveResource } from "../particle.js";
import type { Catalogue, Snapshot } from "../read.js";
import type { StackTree } from "../tree.js";
import { actionFor, rediffWeakReferrers } from "./_diff.js";
import { idAfterApply, type UNKNOWN } from "./_known.js";
import { groupByPath, liveFor, orphanDeletes, type Matching } from "./_match.js";
import { linkActions, propagateDeleteFirst } from "./_order.js";
import { markRenames, renamesAfterDeletes } from "./_renames.js";
import type { Action, Plan } from "./types.js";

export { KNOWN_AFTER_APPLY } from "./types.js";
export { ProtectionError, protectionProblems } from "./protection.js";
export type { Action, Change, Plan, Verb } from "./types.js";

/**
 * Diffs the rendered tree against live state. Pure and deterministic: the
 * same tree and snapshot always give the same plan, which is plain JSON.
 */
export function planActions(tree: StackTree, g: Graph, snapshot: Snapshot, particles: Catalogue): Plan {
  const matching: Matching = { matched: new Set<LiveResource>(), extra: [], notes: [] };
  const known = new Map<string, string | typeof UNKNOWN>();
  const groups = groupByPath(snapshot.owned);

  // Elements in dependency order, so the ids an element refers to are known when it is diffed.
  const actions: Action[] = [];
  for (const path of g.order) {
    const node = g.nodes.get(path)!;
    const particle = particles.get(node.type)!;
    const live = liveFor(node, groups.get(`${node.type} ${path}`), particle, snapshot, particles, known, matching);
    const action = actionFor(node, particle, live, snapshot.existing[path], snapshot.resolved[path] ?? node.props, known);
    if (!action) continue;
    actions.push(action);
    const id = idAfterApply(action);
    if (id !== undefined) known.set(path, id);
  }
  rediffWeakReferrers(actions, g, snapshot, particles, known);
  actions.push(...orphanDeletes(snapshot, g, matching, new Set(actions.map((a) => a.key))));

  const replacements = markRenames(actions, particles, snapshot);
  linkActions(actions, g, particles);
  propagateDeleteFirst(actions);
  renamesAfterDeletes(actions, replacements);
  markRetained(actions, snapshot);
  // The tree's actions in dependency order, then the deletes of what it no longer holds, children first.
  const sorted = [
    ...actions.filter((a) => g.nodes.has(a.key)),
    ...actions.filter((a) => !g.nodes.has(a.key)).sort((a, b) => (a.key < b.key ? 1 : -1)),
  ];
  const summary = { create: 0, update: 0, replace: 0, delete: 0, noop: 0 };
  for (const a of sorted) summary[a.action]++;
  return { stack: tree.stack, actions: sorted, summary, notes: matching.notes };
}

/** Deletes and replaces whose live resource is retained: the plan says it stays in the account, and with which id. */
function markRetained(actions: Action[], snapshot: Snapshot) {
  const retained = new Set(snapshot.owned.filter((live) => live.retained).map((live) => `${live.type} ${live.id}`));
  if (retained.size === 0) return;
  for (const action of actions) {
    if ((action.action === "delete" || action.action === "replace") && retained.has(`${action.type} ${action.id}`)) action.retain = true;
  }
}
