import type { Json } from "../particle.js";

/** What a plan does to one resource: `update` changes it in place, `replace` makes a new one and deletes the old, `noop` leaves it be. */
export type Verb = "create" | "update" | "replace" | "delete" | "noop";

/** Shown where a value depends on a resource that does not exist yet. */
export const KNOWN_AFTER_APPLY = "(known after apply)";

/** One field whose live value differs from the stack's. */
export interface Change {
  /** The prop, or `state` for a running/stopped change. */
  field: string;
  from: Json | undefined;
  to: Json | undefined;
  /** Whether this change alone forces a replace. */
  forcesReplace: boolean;
}

/** What a plan does to one element's resource, with the changes behind it and the actions it waits for. */
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
  /**
   * For a delete or a replace: the live resource is retained (`<Volume
   * retain>`): its particle lets go of it instead of deleting it, and it
   * stays in the account, no longer the stack's.
   */
  retain?: true;
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
  /** Where the element is written, `stack.tsx:12`, when known. */
  source?: string;
}

/**
 * What an apply would do, as plain JSON: the tree's actions in dependency
 * order, then the deletes of what the tree no longer holds, children first.
 * Making one changes nothing.
 */
export interface Plan {
  stack: string;
  actions: Action[];
  /** How many actions of each verb, `noop` included. */
  summary: { create: number; update: number; replace: number; delete: number; noop: number };
  /** Things the user should know: duplicates found, resources without a path tag. */
  notes: string[];
  /**
   * What the apply does to the stack's expiry (`<Stack expires>`), which is
   * no change to any resource: `at` is the time it tags on everything it
   * makes and keeps (null: it removes the expiry of a stack that no longer
   * has one), `renew` how many resources it keeps that it retags.
   */
  expiry?: { at: string | null; renew: number };
}
