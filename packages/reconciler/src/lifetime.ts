import { CREATED_TAG, EXPIRES_TAG, RENEWED_TAG, type LiveResource } from "./particle.js";
import type { Plan } from "./plan/index.js";
import type { StackTree } from "./tree.js";

/**
 * A stack's lifetime: how `<Stack expires>` and `--older-than` are written,
 * and what the lifetime tags on its resources say of the stack.
 */

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d+)(m|h|d|w)$/;
// A calendar date, or a date and time with a zone: "2027-01-31", "2027-01-31T18:00Z", "2027-01-31T18:00:00+01:00".
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** A duration written as `30m`, `8h`, `7d` or `2w`, in milliseconds; undefined for anything else. */
export function durationMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms > 0 ? ms : undefined;
}

/**
 * When a stack written `expires={spec}` expires if applied at `now`: a
 * duration from now, or the date itself (a calendar date at its first
 * instant, UTC). Undefined when `spec` is neither.
 */
export function expiryAt(spec: string, now: Date): Date | undefined {
  const ms = durationMs(spec);
  if (ms !== undefined) return new Date(now.getTime() + ms);
  if (!ISO_DATE.test(spec)) return undefined;
  const at = new Date(spec);
  // A day the month does not have (2027-02-30) is no date, though Date rolls it over into the next month.
  const [year, month, day] = spec.slice(0, 10).split("-").map(Number) as [number, number, number];
  const real = new Date(Date.UTC(year, month - 1, day));
  if (real.getUTCMonth() !== month - 1 || real.getUTCDate() !== day) return undefined;
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** A time as the lifetime tags hold it: ISO 8601 in UTC, to the second. */
export function tagTime(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

/** What a stack's resources say of its lifetime. */
export interface Lifetime {
  /** When its oldest resource was made; undefined when none says (made before jiti recorded it). */
  created?: string;
  /** The newest create or expiry renewal: when an apply last made or renewed something. */
  lastApplied?: string;
  /**
   * When the stack expires: the latest expiry its resources carry, and
   * only when every one carries one. A stack with any resource that does
   * not expire does not expire.
   */
  expires?: string;
}

/** What the lifetime tags of a stack's resources say of it: when it was made, last applied, and expires. */
export function lifetimeOf(resources: readonly Pick<LiveResource, "tags">[]): Lifetime {
  const all = (key: string) =>
    resources.map((r) => r.tags?.[key]).filter((v): v is string => v !== undefined && !Number.isNaN(Date.parse(v)));
  const byTime = (a: string, b: string) => Date.parse(a) - Date.parse(b);
  const created = all(CREATED_TAG).sort(byTime);
  const applied = [...created, ...all(RENEWED_TAG)].sort(byTime);
  const expiries = all(EXPIRES_TAG).sort(byTime);
  const everyExpires = resources.length > 0 && expiries.length === resources.length;
  return {
    ...(created.length > 0 ? { created: created[0]! } : {}),
    ...(applied.length > 0 ? { lastApplied: applied[applied.length - 1]! } : {}),
    ...(everyExpires ? { expires: expiries[expiries.length - 1]! } : {}),
  };
}

/** `3h 20m`, `2d 4h`, `45s`: how long `ms` is, to its two largest units. */
export function spanText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), "d"],
    [Math.floor((s % 86_400) / 3600), "h"],
    [Math.floor((s % 3600) / 60), "m"],
    [s % 60, "s"],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return "0s";
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(" ");
}

/**
 * What an apply of `tree` at `now` does to the stack's expiry: the time it
 * tags, and how many of the resources it keeps (updates or leaves be) it
 * retags; undefined when the stack does not expire and nothing it keeps
 * carries an expiry.
 */
export function expiryPlan(tree: StackTree, owned: readonly LiveResource[], plan: Plan, now: Date): Plan["expiry"] {
  const when = tree.expires === undefined ? undefined : expiryAt(tree.expires, now);
  const at = when === undefined ? null : tagTime(when);
  const kept = new Set(plan.actions.filter((a) => a.action === "noop" || a.action === "update").map((a) => `${a.type} ${a.id}`));
  const renew = owned.filter((live) => kept.has(`${live.type} ${live.id}`) && stale(live, at)).length;
  if (at === null && renew === 0) return undefined;
  return { at, renew };
}

/** Whether the resource's expiry is not yet `at` (null: whether it carries one at all). */
export function stale(live: Pick<LiveResource, "tags">, at: string | null): boolean {
  const now = live.tags?.[EXPIRES_TAG];
  return at === null ? now !== undefined : now !== at;
}
