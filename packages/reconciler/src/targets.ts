import type { RunOptions } from "./api.js";
import type { AssumeRole } from "./particle.js";
import { mapLimit } from "./read.js";

/**
 * One stack over many account/region targets from one process: what `jiti
 * --targets` does with a process per target, for a program (a Lambda
 * function, a Step Functions task, a deploy script) that holds the stack
 * itself. jiti keeps no global state, so runs for different targets share
 * nothing but the process.
 */

/** One place a stack is deployed to. */
export interface Target {
  /** How the target is named in outcomes and logs: `eu-prod`. */
  name: string;
  region: string;
  /** The role in the target's account that every call is made as. */
  assumeRole?: AssumeRole;
  /** What the stack component is given as `env` (the caller renders it). */
  env?: string;
  /** Tags for every resource of this target's run, beside the stack's own. */
  tags?: Record<string, string>;
}

/** How one target's run ended: its value, or its error (which stopped no other target). */
export type TargetOutcome<R> = { target: Target; ms: number } & ({ ok: true; value: R } | { ok: false; error: unknown });

/** How `forEachTarget` runs. */
export interface ForEachTargetOptions {
  /** How many targets run at once. @default 4 */
  parallel?: number;
  /** Options every target's run starts from (particles, lock, concurrency…); the target's region, role and tags go over them. */
  base?: RunOptions;
  /** Starts no target after it is aborted; those running are given it as their `signal`. */
  signal?: AbortSignal;
}

/**
 * Runs `run` for every target, `parallel` at a time, each with the run
 * options of its target (region, assumed role, tags over `base`). One
 * failing stops none of the others: every target has an outcome, in the
 * order given. A target not started because of `signal` fails with its reason.
 *
 *   const outcomes = await forEachTarget(targets, (t, options) => apply(<App env={t.env} />, options), { base: { particles } });
 */
export async function forEachTarget<R>(
  targets: readonly Target[],
  run: (target: Target, options: RunOptions) => Promise<R>,
  options: ForEachTargetOptions = {},
): Promise<TargetOutcome<R>[]> {
  const names = new Set<string>();
  for (const target of targets) {
    if (names.has(target.name)) throw new Error(`two targets are named ${target.name}: each needs a name of its own`);
    names.add(target.name);
  }
  return mapLimit(targets, options.parallel ?? 4, async (target): Promise<TargetOutcome<R>> => {
    const started = Date.now();
    if (options.signal?.aborted) return { target, ms: 0, ok: false, error: options.signal.reason };
    const base = options.base ?? {};
    const runOptions: RunOptions = {
      ...base,
      region: target.region,
      ...(target.assumeRole ? { assumeRole: target.assumeRole } : {}),
      ...(target.tags || base.tags ? { tags: { ...base.tags, ...target.tags } } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    try {
      return { target, ms: Date.now() - started, ok: true, value: await run(target, runOptions) };
    } catch (error) {
      return { target, ms: Date.now() - started, ok: false, error };
    }
  });
}
