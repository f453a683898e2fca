import { catalogueOf, context, prepareDestroy, type ApplyOutcome, type RunOptions } from "./api.js";
import { durationMs, lifetimeOf, spanText, type Lifetime } from "./lifetime.js";
import type { LiveResource } from "./particle.js";
import { ProtectionError, type Plan } from "./plan/index.js";
import { mapLimit } from "./read.js";

/**
 * Every stack in an account and region, found from tags alone (`jiti
 * stacks`), and the sweep of those whose time is up (`jiti sweep`).
 */

/** One stack as its resources' tags describe it. */
export interface StackSummary extends Lifetime {
  name: string;
  /** How many resources it owns of each kind, by component name (`Vpc`, `Subnet`). */
  resources: Record<string, number>;
  /** How many of them carry `jiti:protect`. */
  protected: number;
  /** The user tags every one of its resources carries: the stack's own (team, app, env). */
  tags: Record<string, string>;
}

/**
 * Every jiti stack in the account and region: one list call per kind of
 * resource, however many stacks there are. Needs `particles`, the kinds to
 * list. Sorted by name.
 */
export async function listStacks(options: RunOptions = {}): Promise<StackSummary[]> {
  const particles = catalogueOf(options);
  if (particles.size === 0) {
    // Without the kinds to list, every account would look empty.
    throw new Error("listing stacks needs every kind of resource a stack may own: pass { particles } (e.g. from @jiti/aws-particles)");
  }
  // No one stack: its name is only the assumed role's session name, jiti-stacks.
  const ctx = { ...context("stacks", options), progress: () => {} };
  const lists = await Promise.all([...particles.values()].map((p) => p.list(ctx, { allStacks: true })));
  const byStack = new Map<string, LiveResource[]>();
  for (const live of lists.flat()) {
    if (live.stack === undefined) continue;
    const owned = byStack.get(live.stack) ?? [];
    owned.push(live);
    byStack.set(live.stack, owned);
  }
  const names = new Map([...particles.values()].map((p) => [p.type, p.name]));
  return [...byStack]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, owned]) => summaryOf(name, owned, (type) => names.get(type) ?? type));
}

/** A stack's summary from the resources it owns. */
export function summaryOf(name: string, owned: readonly LiveResource[], kindName: (type: string) => string = (t) => t): StackSummary {
  const resources: Record<string, number> = {};
  for (const live of owned) resources[kindName(live.type)] = (resources[kindName(live.type)] ?? 0) + 1;
  return {
    name,
    resources: Object.fromEntries(Object.entries(resources).sort(([a], [b]) => a.localeCompare(b))),
    ...lifetimeOf(owned),
    protected: owned.filter((live) => live.protected).length,
    tags: sharedTags(owned),
  };
}

/** The user tags (neither jiti's nor AWS's, nor the per-resource `Name`) that every resource carries with one value. */
function sharedTags(owned: readonly LiveResource[]): Record<string, string> {
  const [first, ...rest] = owned.map((live) => live.tags ?? {});
  if (!first) return {};
  return Object.fromEntries(
    Object.entries(first)
      .filter(
        ([key, value]) =>
          !key.startsWith("jiti:") && !key.toLowerCase().startsWith("aws:") && key !== "Name" && rest.every((t) => t[key] === value),
      )
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** What narrows a sweep, and the time it judges expiry by. */
export interface SweepOptions extends RunOptions {
  /** Only stacks made longer ago than this: `12h`, `7d`, `2w`. A stack whose age is unknown is then kept. */
  olderThan?: string;
  /** Only stacks whose name matches this pattern, `*` standing for any characters and `?` for one: `pr-*`. */
  match?: string;
  /** The time expiry and age are judged at. @default now */
  now?: Date;
  /** How many stacks are destroyed at once. @default 4 */
  parallel?: number;
}

/** A stack a sweep would destroy, or keeps, and why. */
export interface SweepEntry {
  stack: StackSummary;
  sweep: boolean;
  /** `expired 2h ago`; for a kept stack, what keeps it: `does not expire`, `expires in 3h 20m`, `2 protected resources`. */
  reason: string;
}

/** Every stack in the account and region, each with whether a sweep destroys it. */
export interface SweepPlan {
  /** The time it was judged at (ISO 8601). */
  at: string;
  stacks: SweepEntry[];
}

/** What a sweep did: the plan, each destroyed stack's outcome, and each failure (which stopped none of the others). */
export interface SweepResult extends SweepPlan {
  destroyed: { stack: string; plan: Plan; outcome: ApplyOutcome }[];
  /** Stacks kept after all: renewed, or protected, since they were listed (a concurrent apply). */
  spared: { stack: string; reason: string }[];
  failed: { stack: string; error: unknown }[];
}

/**
 * Which stacks a sweep would destroy: those whose expiry (`<Stack
 * expires>`) has passed, that protect nothing, narrowed by `match` and
 * `olderThan`. A stack without an expiry is never swept. Changes nothing.
 */
export async function planSweep(options: SweepOptions = {}): Promise<SweepPlan> {
  const now = options.now ?? new Date();
  const olderThan = options.olderThan === undefined ? undefined : durationMs(options.olderThan);
  if (options.olderThan !== undefined && olderThan === undefined)
    throw new Error(`olderThan must be a duration such as 12h, 7d or 2w (found ${JSON.stringify(options.olderThan)})`);
  const pattern = options.match === undefined ? undefined : globPattern(options.match);
  const stacks = await listStacks(options);
  return {
    at: now.toISOString(),
    stacks: stacks.map((stack) => {
      const keep = keptBecause(stack, now, pattern, options.match, olderThan, options.olderThan);
      return keep
        ? { stack, sweep: false, reason: keep }
        : { stack, sweep: true, reason: `expired ${spanText(now.getTime() - Date.parse(stack.expires!))} ago` };
    }),
  };
}

function keptBecause(
  stack: StackSummary,
  now: Date,
  pattern: RegExp | undefined,
  match: string | undefined,
  olderThanMs: number | undefined,
  olderThan: string | undefined,
): string | undefined {
  if (pattern && !pattern.test(stack.name)) return `does not match ${match}`;
  if (stack.expires === undefined) return "does not expire";
  const left = Date.parse(stack.expires) - now.getTime();
  if (left > 0) return `expires in ${spanText(left)}`;
  if (stack.protected > 0) return `${stack.protected} protected resource${stack.protected === 1 ? "" : "s"}`;
  if (olderThanMs !== undefined) {
    if (stack.created === undefined) return "its age is unknown";
    const age = now.getTime() - Date.parse(stack.created);
    if (age < olderThanMs) return `made ${spanText(age)} ago, within ${olderThan}`;
  }
  return undefined;
}

/** `pr-*` as an anchored regular expression. */
function globPattern(glob: string): RegExp {
  const source = [...glob].map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&"))).join("");
  return new RegExp(`^${source}$`);
}

/**
 * Destroys the stacks `planSweep` finds, each as `destroy` would, under its
 * lock when `lock` is given. Each stack is read again before its destroy and
 * spared if an apply renewed it (or protected part of it) meanwhile. One
 * failing stops none of the others. For a scheduled job.
 */
export async function sweep(options: SweepOptions = {}): Promise<SweepResult> {
  const swept = await planSweep(options);
  const now = new Date(swept.at);
  const result: SweepResult = { ...swept, destroyed: [], spared: [], failed: [] };
  await mapLimit(
    swept.stacks.filter((entry) => entry.sweep),
    options.parallel ?? 4,
    async ({ stack }) => {
      try {
        const run = await prepareDestroy(stack.name, options);
        const fresh = summaryOf(stack.name, run.snapshot.owned);
        const stillDue = fresh.expires !== undefined && Date.parse(fresh.expires) <= now.getTime() && fresh.protected === 0;
        if (!stillDue) {
          await run.release();
          result.spared.push({
            stack: stack.name,
            reason: fresh.protected > 0 ? "protected since it was listed" : "renewed since it was listed",
          });
          return;
        }
        result.destroyed.push({ stack: stack.name, plan: run.plan, outcome: await run.apply() });
      } catch (error) {
        // Protected since it was listed: the destroy refused before any change, as it must.
        if (error instanceof ProtectionError) result.spared.push({ stack: stack.name, reason: "protected since it was listed" });
        else result.failed.push({ stack: stack.name, error });
      }
    },
  );
  return result;
}
