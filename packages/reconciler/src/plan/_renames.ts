import { canonicalJson } from "../digest.js";
import type { Json } from "../particle.js";
import type { Catalogue, Snapshot } from "../read.js";
import { NOT_RENDERED } from "./_match.js";
import { KNOWN_AFTER_APPLY, type Action } from "./types.js";
import { lastSegment, parentPath, pathDepth } from "../path.js";

/**
 * A resource no longer rendered and a new one of the same type under the
 * same parent are a rename: a replace under a new path, and the plan says so.
 * Like a replace, the old one is deleted only once the new one exists —
 * unless both would hold a value AWS keeps unique (a subnet's CIDR block),
 * in which case the old one goes first.
 */
/** How each create that replaces an old resource came about, by its key: `renamesAfterDeletes` words its reason by it. */
export type Replacements = Map<string, "renamed" | "moved">;

export function markRenames(actions: Action[], particles: Catalogue, snapshot: Snapshot): Replacements {
  const how: Replacements = new Map();
  // Old path → new path of each rename found so far: a renamed element's children move with it.
  const moved = new Map<string, string>();
  // A delete's old parent counts as where that parent moved to, so its children pair under the new one.
  const parentKey = (a: Action) =>
    `${a.type} ${a.action === "delete" ? (moved.get(parentPath(a.path)) ?? parentPath(a.path)) : parentPath(a.path)}`;
  const candidates = actions.filter((a) => a.action === "create" || (a.action === "delete" && a.reason === NOT_RENDERED));
  for (const level of [...new Set(candidates.map((a) => pathDepth(a.path)))].sort((a, b) => a - b)) {
    const atLevel = candidates.filter((c) => pathDepth(c.path) === level);
    for (const [create, old] of loneCreateAndDelete(atLevel, parentKey)) {
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
  const unpaired = candidates.filter((a) => (a.action === "create" ? a.reason === undefined : a.reason === NOT_RENDERED));
  for (const [create, old] of loneCreateAndDelete(unpaired, (a) => `${a.type} ${lastSegment(a.path)}`)) {
    old.renamedTo = create.key;
    create.reason = `replaces ${old.path} (moved; the old one is deleted once this one exists)`;
    how.set(create.key, "moved");
    old.reason = `moved to ${create.path}: replaced`;
  }
  return how;
}

/** Creates and deletes grouped by `keyOf`: each group of exactly one create and one delete, as `[create, old]`. */
function loneCreateAndDelete(actions: readonly Action[], keyOf: (a: Action) => string): Array<[Action, Action]> {
  const groups = new Map<string, { creates: Action[]; deletes: Action[] }>();
  for (const a of actions) {
    const key = keyOf(a);
    const group = groups.get(key) ?? { creates: [], deletes: [] };
    (a.action === "create" ? group.creates : group.deletes).push(a);
    groups.set(key, group);
  }
  return [...groups.values()]
    .filter(({ creates, deletes }) => creates.length === 1 && deletes.length === 1)
    .map(({ creates, deletes }) => [creates[0]!, deletes[0]!]);
}

/**
 * A renamed element whose new resource can only come after some delete (its
 * parent's, or something it refers to, goes delete-first) cannot keep its
 * old resource until the new one exists: the old one goes first too.
 */
export function renamesAfterDeletes(actions: Action[], how: Replacements) {
  const byKey = new Map(actions.map((a) => [a.key, a]));
  const memo = new Map<string, boolean>();
  const waitsOnDelete = (key: string): boolean => {
    const remembered = memo.get(key);
    if (remembered !== undefined) return remembered;
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
    create.reason = `replaces ${old.path} (${how.get(create.key) ?? "renamed"}; the old one is deleted first)`;
  }
}
