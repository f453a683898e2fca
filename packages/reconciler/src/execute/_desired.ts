import {
  PATH_TAG,
  PROTECT_TAG,
  STACK_TAG,
  isRefValue,
  type AnyParticle,
  type Desired,
  type Json,
  type JsonObject,
  type LiveResource,
  type PendingRef,
} from "../particle.js";
import type { Snapshot } from "../read.js";
import type { ParticleNode } from "../tree.js";
import { pathNames } from "../path.js";

/**
 * Desired props for create/update: references replaced by the current ids,
 * ownership tags added, and `bookkeeping` (the lifetime tags a create or an
 * update sets).
 */
export function desiredOf(
  particle: AnyParticle,
  node: ParticleNode,
  snapshot: Snapshot,
  resources: Readonly<Record<string, LiveResource>>,
  stack: string,
  creating = false,
  bookkeeping: Record<string, string> = {},
): Desired<JsonObject> {
  const props = snapshot.resolved[node.path] ?? node.props;
  const weak = new Set<string>(particle.weakRefs ?? []);
  const withIds = (value: Json, pendingAllowed: boolean): Json => {
    if (isRefValue(value)) {
      const target = resources[value.$ref];
      if (target) return target.id;
      // A weak reference to what does not exist yet: left out of the create, completed later.
      if (pendingAllowed) return { $pending: value.$ref } satisfies PendingRef as unknown as Json;
      throw new Error(`${value.$ref} does not exist yet: it must be created before ${node.path}`);
    }
    if (Array.isArray(value)) return value.map((v) => withIds(v, pendingAllowed));
    if (value !== null && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withIds(v, pendingAllowed)]));
    return value;
  };
  // Sorted by path at render, lists of references are sorted by id now.
  const substituted = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, withIds(v, creating && weak.has(k))])) as JsonObject;
  const canonical = particle.normalize ? (particle.normalize(substituted) as JsonObject) : substituted;
  const userTags = (canonical.tags ?? {}) as Record<string, string>;
  return {
    path: node.path,
    name: node.name,
    names: pathNames(node.path),
    props: canonical,
    tags: {
      ...userTags,
      ...bookkeeping,
      [STACK_TAG]: stack,
      [PATH_TAG]: node.path,
      ...(node.protect ? { [PROTECT_TAG]: "true" } : {}),
    },
    state: node.state,
  };
}
