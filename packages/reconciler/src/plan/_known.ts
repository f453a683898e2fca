import { digest } from "../digest.js";
import { isRefValue, type AnyParticle, type Json, type JsonObject } from "../particle.js";
import { KNOWN_AFTER_APPLY, type Action } from "./types.js";

/** A value that depends on a resource made by this run: its id exists only after apply. */
export const UNKNOWN = Symbol("unknown");

/** The id each element's resource has once the plan is applied, by path; UNKNOWN when it will be new. */
export type Known = ReadonlyMap<string, string | typeof UNKNOWN>;

/** Replaces every `{ $ref }` with the target's id, or UNKNOWN when it will only exist after apply. */
export function substitute(value: Json, known: Known): Json | typeof UNKNOWN {
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

/**
 * Desired props with references replaced by ids, then put in the particle's
 * canonical form again: lists sorted by path at render must be sorted by id
 * to compare with what AWS reports.
 */
export function withKnownIds(particle: AnyParticle, props: JsonObject, known: Known): Record<string, Json | typeof UNKNOWN> {
  const out: Record<string, Json | typeof UNKNOWN> = {};
  let allKnown = true;
  for (const [field, value] of Object.entries(props)) {
    out[field] = substitute(value, known);
    if (out[field] === UNKNOWN) allKnown = false;
  }
  if (!allKnown || !particle.normalize) return out;
  return particle.normalize(out as JsonObject) as JsonObject;
}

/** A value as the plan shows it: digests for hashed props. */
export function shown(particle: AnyParticle, field: string, value: Json | typeof UNKNOWN): Json {
  if (value === UNKNOWN) return KNOWN_AFTER_APPLY;
  return particle.hashed?.includes(field) ? digest(value) : value;
}

/** The id an action's resource has once applied, for the references of later elements: UNKNOWN for a new one; a delete leaves none. */
export function idAfterApply(action: Action): string | typeof UNKNOWN | undefined {
  if (action.action === "create" || action.action === "replace") return UNKNOWN;
  return action.action === "delete" ? undefined : action.id;
}
