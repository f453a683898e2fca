import type { Graph } from "../graph.js";
import type { AnyParticle, LiveResource } from "../particle.js";
import type { Catalogue, Snapshot } from "../read.js";
import type { ParticleNode } from "../tree.js";
import { diff } from "./_diff.js";
import type { Known } from "./_known.js";
import type { Action } from "./types.js";
import { isInside } from "../path.js";

/** The reason of a delete whose element is gone: a rename, if a create pairs with it (see _renames.ts). */
export const NOT_RENDERED = "not in the tree any more";

/** The stack's live resources that carry a path, by `${type} ${path}`. */
export function groupByPath(owned: readonly LiveResource[]): Map<string, LiveResource[]> {
  const groups = new Map<string, LiveResource[]>();
  for (const live of owned) {
    if (!live.path) continue;
    const key = `${live.type} ${live.path}`;
    groups.set(key, [...(groups.get(key) ?? []), live]);
  }
  return groups;
}

/** What the planner collects while matching: the live resources taken, the duplicates to delete, notes for the user. */
export interface Matching {
  matched: Set<LiveResource>;
  extra: LiveResource[];
  notes: string[];
}

/**
 * The live resource an element manages, from the group of live resources
 * with its type and path. An element that adopts an existing resource no
 * longer manages the one it made: that one is deleted, unless it is the very
 * one adopted.
 */
export function liveFor(
  node: ParticleNode,
  group: LiveResource[] | undefined,
  particle: AnyParticle,
  snapshot: Snapshot,
  particles: Catalogue,
  known: Known,
  matching: Matching,
): LiveResource | undefined {
  const existing = snapshot.existing[node.path];
  let live: LiveResource | undefined;
  if (node.existing) {
    live = group?.find((l) => l.id === existing?.id);
    if (live)
      matching.notes.push(
        `${node.path} adopts ${live.id}, which still carries this stack's ownership tags: \`jiti destroy\` would delete it. Remove its jiti:stack tag to hand it over.`,
      );
  } else if (group && group.length > 0) {
    const ranked = group.length > 1 ? rankDuplicates(group, node, particle, snapshot, particles, known) : group;
    live = ranked[0];
    if (ranked.length > 1) {
      matching.extra.push(...ranked.slice(1));
      matching.notes.push(
        `${ranked.length} live ${node.type} resources have the path ${node.path} (${ranked.map((l) => l.id).join(", ")}): keeping ${live!.id}, deleting the others.`,
      );
    }
  }
  if (live) matching.matched.add(live);
  return live;
}

/**
 * After a crash two live resources may share a path (a replace interrupted
 * between its create and its delete, or a create retried). Best first: the
 * one closest to the desired props and, among equals, the one the live
 * children hang from.
 */
function rankDuplicates(
  group: LiveResource[],
  node: ParticleNode,
  particle: AnyParticle,
  snapshot: Snapshot,
  particles: Catalogue,
  known: Known,
): LiveResource[] {
  const props = snapshot.resolved[node.path] ?? node.props;
  const children = (candidate: LiveResource) =>
    snapshot.owned.filter((l) => {
      if (!l.path || !isInside(l.path, node.path)) return false;
      const child = particles.get(l.type);
      return child?.parentProp !== undefined && child.observe(l)[child.parentProp] === candidate.id;
    }).length;
  const scored = group.map((live) => ({ live, d: diff(node, particle, live, props, known), children: children(live) }));
  scored.sort(
    (a, b) =>
      a.d.forcedBy.length - b.d.forcedBy.length ||
      a.d.changes.length - b.d.changes.length ||
      b.children - a.children ||
      (a.live.id < b.live.id ? -1 : 1),
  );
  return scored.map((s) => s.live);
}

function orphanReason(live: LiveResource, g: Graph): string {
  if (!live.path) return "owned by the stack but has no jiti:path tag";
  if (g.nodes.get(live.path)?.existing) return "the element now adopts an existing resource: the one jiti made is deleted";
  return NOT_RENDERED;
}

/**
 * Deletes for the stack's live resources that no element manages: the
 * duplicates set aside while matching, and those whose element is gone.
 * `taken` holds the keys of the plan so far: a delete takes its path as key
 * only when that key is free and no other orphan shares its path.
 */
export function orphanDeletes(snapshot: Snapshot, g: Graph, matching: Matching, taken: ReadonlySet<string>): Action[] {
  const { matched, extra, notes } = matching;
  const orphans = [
    ...extra.map((live) => ({ live, reason: `duplicate: another ${live.type} has the path ${live.path}` })),
    ...snapshot.owned
      .filter((live) => !matched.has(live) && !extra.includes(live))
      .map((live) => ({ live, reason: orphanReason(live, g) })),
  ];
  // Paths shared by several orphans (a crash, then the element removed): each gets a key of its own.
  const shared = new Map<string, number>();
  for (const { live } of orphans)
    if (live.path) shared.set(`${live.type} ${live.path}`, (shared.get(`${live.type} ${live.path}`) ?? 0) + 1);
  for (const [key, count] of shared) {
    if (count > 1)
      notes.push(
        `${count} live ${key.split(" ")[0]} resources have the path ${key.split(" ")[1]}, which is not rendered: deleting them all.`,
      );
  }
  const keys = new Set(taken);
  const deletes: Action[] = [];
  for (const { live, reason } of orphans) {
    const unique =
      !extra.includes(live) && live.path !== undefined && shared.get(`${live.type} ${live.path}`) === 1 && !keys.has(live.path);
    const key = unique ? live.path! : live.path ? `${live.path}#${live.id}` : `${live.type}#${live.id}`;
    keys.add(key);
    deletes.push({
      key,
      action: "delete",
      path: live.path ?? "",
      type: live.type,
      id: live.id,
      changes: [],
      reason,
      dependsOn: [],
      deleteAfter: [],
    });
  }
  return deletes;
}
