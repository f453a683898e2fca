import { canonicalJson, digest } from "./digest.js";
import type { Graph } from "./graph.js";
import { isRefValue, replaceStrategyOf, type AnyParticle, type Json, type JsonObject, type LiveResource } from "./particle.js";
import type { Catalogue, Snapshot } from "./read.js";
import type { ParticleNode, StackTree } from "./tree.js";

export type Verb = "create" | "update" | "replace" | "delete" | "noop";

/** Shown where a value depends on a resource that does not exist yet. */
export const KNOWN_AFTER_APPLY = "(known after apply)";

export interface Change {
  /** The prop, or `state` for a running/stopped change. */
  field: string;
  from: Json | undefined;
  to: Json | undefined;
  /** Whether this change alone forces a replace. */
  forcesReplace: boolean;
}

export interface Action {
  /** Unique within the plan: the element path, or `path#id` for a duplicate, `type#id` for an untagged path. */
  key: string;
  action: Verb;
  path: string;
  type: string;
  /** The live resource acted on (update, replace, delete, noop). */
  id?: string;
  changes: Change[];
  /** For a replace: the fields that force it. */
  forcedBy?: string[];
  /** For a replace: create the new one first, or delete the old one first. */
  strategy?: "create-before-delete" | "delete-first";
  /** Why a delete (or a create, for a rename) happens. */
  reason?: string;
  /** Set when the element adopts a resource jiti never changes. */
  existing?: true;
  /** Keys of actions whose resources must be usable before this one is created or updated. */
  dependsOn: string[];
  /** Keys of actions that must have moved off or removed their resources before this one's resource is deleted. */
  deleteAfter: string[];
  /** Keys of deletes that must finish before this one is created: AWS refuses both at once (a renamed subnet keeping its CIDR). */
  createAfter?: string[];
  /** For the delete of a renamed element: the key of its replacement, created first. */
  renamedTo?: string;
  /** Keys of elements this one refers to weakly that are created in this run: once they exist, an update completes this one. */
  completeAfter?: string[];
  source?: string;
}

export interface Plan {
  stack: string;
  actions: Action[];
  summary: { create: number; update: number; replace: number; delete: number; noop: number };
  /** Things the user should know: duplicates found, resources without a path tag. */
  notes: string[];
}

const UNKNOWN = Symbol("unknown");
type Known = ReadonlyMap<string, string | typeof UNKNOWN>;

/**
 * Diffs the rendered tree against live state. Pure and deterministic: the
 * same tree and snapshot always give the same plan, which is plain JSON.
 */
export function planActions(tree: StackTree, g: Graph, snapshot: Snapshot, particles: Catalogue): Plan {
  const notes: string[] = [];
  const actions: Action[] = [];
  const byKey = new Map<string, Action>();
  const add = (a: Action) => {
    actions.push(a);
    byKey.set(a.key, a);
  };

  const groups = groupByPath(snapshot.owned);
  const extra: LiveResource[] = [];
  const known = new Map<string, string | typeof UNKNOWN>();
  const matched = new Set<LiveResource>();

  for (const path of g.order) {
    const node = g.nodes.get(path)!;
    const particle = particles.get(node.type)!;
    const existing = snapshot.existing[path];
    const group = groups.get(`${node.type} ${path}`);
    // An element that now adopts an existing resource no longer manages the
    // one it made: that one is deleted, unless it is the very one adopted.
    const live = node.existing
      ? group?.find((l) => l.id === existing?.id)
      : pickLive(group, node, particle, snapshot, particles, known, extra, notes);
    if (live) matched.add(live);
    const base = { key: path, path, type: node.type, dependsOn: [], deleteAfter: [], ...(node.source ? { source: node.source } : {}) };
    if (node.existing && existing) {
      known.set(path, existing.id);
      if (live)
        notes.push(
          `${path} adopts ${existing.id}, which still carries this stack's ownership tags: \`jiti destroy\` would delete it. Remove its jiti:stack tag to hand it over.`,
        );
      add({ ...base, action: "noop", id: existing.id, changes: [], existing: true });
    } else if (node.state === "terminated") {
      if (live) add({ ...base, action: "delete", id: live.id, changes: [], reason: 'state is "terminated"' });
    } else if (!live) {
      known.set(path, UNKNOWN);
      const props = snapshot.resolved[path] ?? node.props;
      const changes = Object.keys(props)
        .sort()
        .map((field) => ({ field, from: undefined, to: shown(particle, field, substitute(props[field]!, known)), forcesReplace: false }));
      add({ ...base, action: "create", changes });
    } else {
      const { changes, forcedBy } = diff(node, particle, live, snapshot.resolved[path] ?? node.props, known);
      const action: Verb = forcedBy.length > 0 ? "replace" : changes.length > 0 ? "update" : "noop";
      known.set(path, action === "replace" ? UNKNOWN : live.id);
      add({
        ...base,
        action,
        id: live.id,
        changes,
        ...(action === "replace" ? { forcedBy, strategy: replaceStrategyOf(particle, node.props) } : {}),
      });
    }
  }

  // Weak references may point at elements planned later in the order: now
  // that every id is known, diff those elements again.
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
  for (const { live, reason } of orphans) {
    const unique =
      !extra.includes(live) && live.path !== undefined && shared.get(`${live.type} ${live.path}`) === 1 && !byKey.has(live.path);
    const key = unique ? live.path! : live.path ? `${live.path}#${live.id}` : `${live.type}#${live.id}`;
    add({
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

  markRenames(actions, particles, snapshot);
  linkActions(actions, g, particles);
  propagateDeleteFirst(actions);
  settleRenames(actions);
  const sorted = [
    ...actions.filter((a) => g.nodes.has(a.key)),
    ...actions.filter((a) => !g.nodes.has(a.key)).sort((a, b) => (a.key < b.key ? 1 : -1)),
  ];
  const summary = { create: 0, update: 0, replace: 0, delete: 0, noop: 0 };
  for (const a of sorted) summary[a.action]++;
  return { stack: tree.stack, actions: sorted, summary, notes };
}

const NOT_RENDERED = "not in the tree any more";

function orphanReason(live: LiveResource, g: Graph): string {
  if (!live.path) return "owned by the stack but has no jiti:path tag";
  if (g.nodes.get(live.path)?.existing) return "the element now adopts an existing resource: the one jiti made is deleted";
  return NOT_RENDERED;
}

function groupByPath(owned: readonly LiveResource[]) {
  const groups = new Map<string, LiveResource[]>();
  for (const live of owned) {
    if (!live.path) continue;
    const key = `${live.type} ${live.path}`;
    groups.set(key, [...(groups.get(key) ?? []), live]);
  }
  return groups;
}

/**
 * One live resource per path. After a crash two may share a path (a replace
 * interrupted between its create and its delete, or a create retried): keep
 * the one closest to the desired props and, among equals, the one the live
 * children hang from; delete the others.
 */
function pickLive(
  group: LiveResource[] | undefined,
  node: ParticleNode,
  particle: AnyParticle,
  snapshot: Snapshot,
  particles: Catalogue,
  known: Known,
  extra: LiveResource[],
  notes: string[],
): LiveResource | undefined {
  if (!group || group.length === 0) return undefined;
  if (group.length > 1) {
    const props = snapshot.resolved[node.path] ?? node.props;
    const children = (candidate: LiveResource) =>
      snapshot.owned.filter((l) => {
        if (!l.path?.startsWith(`${node.path}/`)) return false;
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
    group = scored.map((s) => s.live);
    extra.push(...group.slice(1));
    notes.push(
      `${group.length} live ${node.type} resources have the path ${node.path} (${group.map((l) => l.id).join(", ")}): keeping ${group[0]!.id}, deleting the others.`,
    );
  }
  return group[0];
}

/** Replaces every `{ $ref }` with the target's id, or UNKNOWN when it will only exist after apply. */
function substitute(value: Json, known: Known): Json | typeof UNKNOWN {
  if (isRefValue(value)) return known.get(value.$ref) ?? UNKNOWN;
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (const v of value) {
      const s = substitute(v, known);
      if (s === UNKNOWN) return UNKNOWN;
      out.push(s);
    }
    return out;
  }
  if (value !== null && typeof value === "object") {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const s = substitute(v, known);
      if (s === UNKNOWN) return UNKNOWN;
      out[k] = s;
    }
    return out;
  }
  return value;
}

/** A value as the plan shows it: digests for hashed props. */
function shown(particle: AnyParticle, field: string, value: Json | typeof UNKNOWN): Json {
  if (value === UNKNOWN) return KNOWN_AFTER_APPLY;
  return particle.hashed?.includes(field) ? digest(value) : value;
}

function diff(node: ParticleNode, particle: AnyParticle, live: LiveResource, props: JsonObject, known: Known) {
  const observed = particle.observe(live) as Record<string, Json | undefined>;
  const desired = settle(particle, props, known);
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
  if (particle.stoppable && forcedBy.length === 0) {
    const state = live.status === "stopped" || live.status === "stopping" ? "stopped" : "running";
    if (state !== node.state) changes.push({ field: "state", from: state, to: node.state, forcesReplace: false });
  }
  return { changes, forcedBy };
}

/**
 * Desired props with references replaced by ids, then put in the particle's
 * canonical form again: lists sorted by path at render must be sorted by id
 * to compare with what AWS reports.
 */
function settle(particle: AnyParticle, props: JsonObject, known: Known): Record<string, Json | typeof UNKNOWN> {
  const out: Record<string, Json | typeof UNKNOWN> = {};
  let complete = true;
  for (const [field, value] of Object.entries(props)) {
    out[field] = substitute(value, known);
    if (out[field] === UNKNOWN) complete = false;
  }
  if (!complete || !particle.normalize) return out;
  return particle.normalize(out as JsonObject) as JsonObject;
}

/**
 * A resource no longer rendered and a new one of the same type under the
 * same parent are a rename: a replace under a new path, and the plan says so.
 * Like a replace, the old one is deleted only once the new one exists —
 * unless both would hold a value AWS keeps unique (a subnet's CIDR block),
 * in which case the old one goes first.
 */
function markRenames(actions: Action[], particles: Catalogue, snapshot: Snapshot) {
  const parentOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf("/")));
  const depth = (path: string) => path.split("/").length;
  // Old path → new path of each rename found so far: a renamed element's children move with it.
  const moved = new Map<string, string>();
  const candidates = actions.filter((a) => a.action === "create" || (a.action === "delete" && a.reason === NOT_RENDERED));
  for (const level of [...new Set(candidates.map((a) => depth(a.path)))].sort((a, b) => a - b)) {
    const groups = new Map<string, { creates: Action[]; deletes: Action[] }>();
    for (const a of candidates.filter((c) => depth(c.path) === level)) {
      const parent = a.action === "delete" ? (moved.get(parentOf(a.path)) ?? parentOf(a.path)) : parentOf(a.path);
      const key = `${a.type} ${parent}`;
      const group = groups.get(key) ?? { creates: [], deletes: [] };
      (a.action === "create" ? group.creates : group.deletes).push(a);
      groups.set(key, group);
    }
    for (const { creates, deletes } of groups.values()) {
      if (creates.length !== 1 || deletes.length !== 1) continue;
      const [create, old] = [creates[0]!, deletes[0]!];
      moved.set(old.path, create.path);
      const particle = particles.get(create.type)!;
      const live = snapshot.owned.find((l) => l.id === old.id && l.type === old.type);
      const observed = live ? (particle.observe(live) as Record<string, Json | undefined>) : {};
      const wanted = Object.fromEntries(create.changes.map((c) => [c.field, c.to]));
      const clash = (particle.uniqueBy ?? []).filter(
        (field) =>
          wanted[field] !== undefined &&
          wanted[field] !== KNOWN_AFTER_APPLY &&
          canonicalJson(wanted[field]!) === canonicalJson(observed[field] ?? null),
      );
      if (clash.length > 0) {
        create.createAfter = [old.key];
        create.reason = `replaces ${old.path} (renamed; it keeps ${clash.join(", ")}, so the old one is deleted first)`;
      } else {
        old.renamedTo = create.key;
        create.reason = `replaces ${old.path} (renamed; the old one is deleted once this one exists)`;
      }
      old.reason = `renamed to ${create.path}: replaced`;
    }
  }
  // An element moved to another parent keeps its name: also a replace, the new one first.
  const segment = (path: string) => path.slice(path.lastIndexOf("/") + 1);
  const unpaired = candidates.filter((a) => (a.action === "create" ? a.reason === undefined : a.reason === NOT_RENDERED));
  const byName = new Map<string, { creates: Action[]; deletes: Action[] }>();
  for (const a of unpaired) {
    const key = `${a.type} ${segment(a.path)}`;
    const group = byName.get(key) ?? { creates: [], deletes: [] };
    (a.action === "create" ? group.creates : group.deletes).push(a);
    byName.set(key, group);
  }
  for (const { creates, deletes } of byName.values()) {
    if (creates.length !== 1 || deletes.length !== 1) continue;
    const [create, old] = [creates[0]!, deletes[0]!];
    old.renamedTo = create.key;
    create.reason = `replaces ${old.path} (moved; the old one is deleted once this one exists)`;
    old.reason = `moved to ${create.path}: replaced`;
  }
}

/**
 * A renamed element whose new resource can only come after some delete (its
 * parent's, or something it refers to, goes delete-first) cannot keep its
 * old resource until the new one exists: the old one goes first too.
 */
function settleRenames(actions: Action[]) {
  const byKey = new Map(actions.map((a) => [a.key, a]));
  const memo = new Map<string, boolean>();
  const waitsOnDelete = (key: string): boolean => {
    const known = memo.get(key);
    if (known !== undefined) return known;
    const a = byKey.get(key);
    const waits =
      a !== undefined &&
      ((a.createAfter?.length ?? 0) > 0 || (a.action === "replace" && a.strategy === "delete-first") || a.dependsOn.some(waitsOnDelete));
    memo.set(key, waits);
    return waits;
  };
  for (const old of actions) {
    if (!old.renamedTo || !waitsOnDelete(old.renamedTo)) continue;
    const create = byKey.get(old.renamedTo)!;
    delete old.renamedTo;
    create.reason = `replaces ${old.path} (${create.reason?.includes("(moved") ? "moved" : "renamed"}; the old one is deleted first)`;
  }
}

/**
 * Referrers of something that goes delete-first cannot be made new before
 * it is gone: a replace that depends on a delete-first replace or rename is
 * delete-first too. Actions of the tree come in dependency order.
 */
function propagateDeleteFirst(actions: Action[]) {
  const byKey = new Map(actions.map((a) => [a.key, a]));
  for (const a of actions) {
    if (a.action !== "replace" || a.strategy === "delete-first") continue;
    const deps = a.dependsOn.map((k) => byKey.get(k));
    if (deps.some((d) => d?.strategy === "delete-first" || (d?.createAfter?.length ?? 0) > 0)) a.strategy = "delete-first";
  }
}

/** Fills `dependsOn` and `deleteAfter` of every action. */
function linkActions(actions: Action[], g: Graph, particles: Catalogue) {
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
      const descendant = x.path !== "" && r.path.startsWith(`${x.path}/`);
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
