import type { Filter } from "@aws-sdk/client-ec2";
import type { Existing } from "@jiti/reconciler/particle";
import { hasCode } from "./errors.js";

/** Describe* input finding an `existing` resource: by its id, or by every tag given. */
export function byIdOrTags<K extends string>(idsKey: K, existing: Existing): Partial<Record<K, string[]>> & { Filters?: Filter[] } {
  if ("id" in existing) return { [idsKey]: [existing.id] } as Partial<Record<K, string[]>>;
  return { Filters: Object.entries(existing.tags).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] })) } as Partial<Record<K, string[]>> & {
    Filters: Filter[];
  };
}

/** Runs a lookup's describe call: the kind's not-found code (a wrong id) means no match, not a failure. */
export async function found<T>(notFound: readonly string[], describe: () => Promise<T[] | undefined>): Promise<T[]> {
  try {
    return (await describe()) ?? [];
  } catch (error) {
    if (hasCode(error, ...notFound)) return [];
    throw error;
  }
}

/** A prop the reconciler resolved to an id before create and update. */
export function idOf(value: unknown, what: string): string {
  if (typeof value === "string") return value;
  throw new Error(`${what} was not resolved to an id (found: ${JSON.stringify(value)}); references are resolved before create and update`);
}
