import { canonicalJson } from "../digest.js";
import type { Graph } from "../graph.js";
import { replaceStrategyOf, type AnyParticle, type Json, type JsonObject, type LiveResource } from "../particle.js";
import type { Catalogue, Snapshot } from "../read.js";
import type { ParticleNode } from "../tree.js";
import { shown, substitute, UNKNOWN, withKnownIds, type Known } from "./_known.js";
import type { Action, Change, Verb } from "./types.js";

/** What changes between a live resource and the desired props, and which of those changes force a replace. */
export function diff(node: ParticleNode, particle: AnyParticle, live: LiveResource, props: JsonObject, known: Known) {
  const observed = particle.observe(live) as Record<string, Json | undefined>;
  const desired = withKnownIds(particle, props, known);
  const changes: Change[] = [];
  const forcedBy: string[] = [];
  // Every prop of the particle: a prop removed from stack.tsx is a change
  // back to unset, not something to ignore. A particle whose AWS default
  // should not count as drift reports that prop as undefined in `observe`.
  for (const field of Object.keys(particle.props).sort()) {
    const value = desired[field];
    const from = observed[field];
    if (value === undefined && (from === undefined || from === null)) continue;
    const to = value === undefined ? null : shown(particle, field, value);
    if (value !== UNKNOWN && canonicalJson(to) === canonicalJson(from ?? null)) continue;
    const forcesReplace = particle.props[field] === "replace" || (node.replaceOnChanges?.includes(field) ?? false);
    changes.push({ field, from, to, forcesReplace });
    if (forcesReplace) forcedBy.push(field);
  }
  // Protection lives in a tag: putting it on or lifting it is an update of the resource's tags.
  if ((live.protected ?? false) !== (node.protect ?? false)) {
    changes.push({ field: "protect", from: live.protected ?? false, to: node.protect ?? false, forcesReplace: false });
  }
  if (particle.stoppable && forcedBy.length === 0) {
    const state = live.status === "stopped" || live.status === "stopping" ? "stopped" : "running";
    if (state !== node.state) changes.push({ field: "state", from: state, to: node.state, forcesReplace: false });
  }
  return { changes, forcedBy };
}

/**
 * The action for one rendered element, given the live resource matched to
 * it (if any) and the resource it adopts (if it names an existing one).
 * None for a terminated element that has nothing live.
 */
export function actionFor(
  node: ParticleNode,
  particle: AnyParticle,
  live: LiveResource | undefined,
  existing: LiveResource | undefined,
  props: JsonObject,
  known: Known,
): Action | undefined {
  const path = node.path;
  const base = { key: path, path, type: node.type, dependsOn: [], deleteAfter: [], ...(node.source ? { source: node.source } : {}) };
  if (node.existing && existing) return { ...base, action: "noop", id: existing.id, changes: [], existing: true };
  if (node.state === "terminated")
    return live ? { ...base, action: "delete", id: live.id, changes: [], reason: 'state is "terminated"' } : undefined;
  if (!live) {
    const changes = Object.keys(props)
      .sort()
      .map((field) => ({ field, from: undefined, to: shown(particle, field, substitute(props[field]!, known)), forcesReplace: false }));
    return { ...base, action: "create", changes };
  }
  const { changes, forcedBy } = diff(node, particle, live, props, known);
  const action: Verb = forcedBy.length > 0 ? "replace" : changes.length > 0 ? "update" : "noop";
  return {
    ...base,
    action,
    id: live.id,
    changes,
    ...(action === "replace" ? { forcedBy, strategy: replaceStrategyOf(particle, node.props) } : {}),
  };
}

/**
 * Weak references may point at elements planned later in the order: once
 * every id is known, the updates and noops of elements that hold weak
 * references are diffed again.
 */
export function rediffWeakReferrers(actions: Action[], g: Graph, snapshot: Snapshot, particles: Catalogue, known: Known) {
  for (const a of actions) {
    if ((a.action !== "update" && a.action !== "noop") || a.existing) continue;
    const particle = particles.get(a.type)!;
    if (!particle.weakRefs?.length) continue;
    const node = g.nodes.get(a.path)!;
    const live = snapshot.owned.find((l) => l.id === a.id && l.type === a.type)!;
    const again = diff(node, particle, live, snapshot.resolved[a.path] ?? node.props, known);
    if (again.forcedBy.length > 0) continue;
    a.changes = again.changes;
    a.action = again.changes.length > 0 ? "update" : "noop";
  }
}
