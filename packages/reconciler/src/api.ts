import type { JitiNode } from "@jiti/jsx-runtime";
import { DEFAULT_CONCURRENCY, execute, steps, type ApplyEvent, type ApplyResult } from "./execute/index.js";
import { graph } from "./graph.js";
import type { AnyParticle, AwsSettings, ParticleContext } from "./particle.js";
import { planActions, ProtectionError, protectionProblems, type Plan } from "./plan/index.js";
import { read, type Catalogue, type Snapshot } from "./read.js";
import type { Problem } from "./problems.js";
import { renderStack, type RenderOptions } from "./render/index.js";
import { hostname } from "node:os";
import { expiryPlan } from "./lifetime.js";
import type { HeldLock, LockRecord, StackLock } from "./lock.js";
import type { ParticleNode, StackTree } from "./tree.js";

/** Options of `plan`, `apply`, `destroy` and the rest: where AWS is, how to render, and how the run goes. */
export interface RunOptions extends AwsSettings, RenderOptions {
  /**
   * Every particle kind the stack may own (e.g. `particles` from
   * `@jiti/aws-particles`), so that resources of kinds no longer rendered are
   * still found and removed. Kinds used in the tree are always included.
   */
  particles?: Iterable<AnyParticle>;
  /**
   * How many AWS operations run at once: reads while planning, steps while
   * applying (a step only waiting gives its place up).
   * @default DEFAULT_CONCURRENCY (16)
   */
  concurrency?: number;
  /** Progress of the apply: start, wait, done, failed, skipped. */
  onEvent?: (event: ApplyEvent) => void;
  /** Stops starting new work; work in flight finishes or is aborted. */
  signal?: AbortSignal;
  /**
   * Takes the stack's lock before reading AWS and holds it until the apply
   * ends, so that two applies of one stack never run at once: the second
   * fails at once, naming who holds it (e.g. `ssmLock()` from
   * `@jiti/aws-particles`). A plan alone (`plan`, `planDestroy`) takes no lock.
   */
  lock?: StackLock;
  /** What the lock records as running: `render`, `destroy`, a job's name. @default "apply" or "destroy" */
  command?: string;
  /**
   * Also reads the attributes that the particles otherwise take from what
   * jiti recorded when it applied them (their `refresh`; in
   * `@jiti/aws-particles`, what the `jiti:attrs` tag holds: a VPC's DNS
   * settings, an instance's user data), so that a change made to them
   * outside jiti shows in the plan as drift. It costs one call or more
   * per such resource on every plan (two per VPC, one per instance); without
   * it a plan reads one list per kind, however big the stack. What
   * `--refresh-attrs` sets. @default false
   */
  refreshAttrs?: boolean;
  /** Called as each phase of planning ends, with its duration: what `jiti --timings` shows. */
  onPhase?: (phase: Phase, elapsedMs: number) => void;
}

/** The phases of planning `onPhase` times: expand and validate the tree, read what AWS has, diff. */
export type Phase = "render" | "read" | "plan";

/** What `plan` and `planDestroy` return: the plan, and the tree and AWS snapshot it was made from. */
export interface PlanResult {
  tree: StackTree;
  snapshot: Snapshot;
  plan: Plan;
  /** What rules of severity `warning` found, and stale waivers: shown with the plan, they do not stop it. */
  warnings: Problem[];
  /** Findings the elements waive, each with its reason: shown with the plan. */
  waived: Problem[];
}

/** What `apply` and `destroy` resolve with: the result of the run, and the plan it ran. */
export interface ApplyOutcome extends ApplyResult {
  plan: Plan;
}

/**
 * A plan and the means to apply exactly that plan, not a fresh one: what
 * `jiti render` shows, asks about, and then applies.
 */
export interface PreparedRun extends PlanResult {
  /** Runs the plan, then lets go of the stack's lock. Resolves with every element's outputs; throws ApplyError listing failures. */
  apply(options?: Pick<RunOptions, "onEvent" | "signal" | "concurrency">): Promise<ApplyOutcome>;
  /** Lets go of the stack's lock without applying (a cancelled render). Safe to call more than once. */
  release(): Promise<void>;
}

export function context(stack: string, options: RunOptions): Omit<ParticleContext, "progress"> {
  const aws: AwsSettings = {};
  if (options.region) aws.region = options.region;
  if (options.profile) aws.profile = options.profile;
  if (options.endpoint) aws.endpoint = options.endpoint;
  if (options.credentials) aws.credentials = options.credentials;
  if (options.assumeRole) aws.assumeRole = options.assumeRole;
  // Outside an apply's steps (reads, the lock) nothing waits for a place: waiting is only waiting.
  return { stack, aws, cache: new Map(), signal: options.signal ?? new AbortController().signal, idle: (wait) => wait };
}

export function catalogueOf(options: RunOptions, used: Map<string, AnyParticle> = new Map()): Catalogue {
  const all = new Map<string, AnyParticle>();
  for (const p of options.particles ?? []) all.set(p.type, p);
  for (const [type, p] of used) all.set(type, p);
  return all;
}

/** Reports to `onPhase` the time since the previous phase ended. */
function phaseClock(options: RunOptions): (phase: Phase) => void {
  let last = performance.now();
  return (phase) => {
    const now = performance.now();
    options.onPhase?.(phase, now - last);
    last = now;
  };
}

/** Renders the stack, reads what it owns and plans; `apply()` then runs that plan. Changes nothing by itself. */
export async function prepareApply(element: JitiNode, options: RunOptions = {}): Promise<PreparedRun> {
  const ended = phaseClock(options);
  const { tree, particles: used, warnings, waived } = renderStack(element, options);
  const particles = catalogueOf(options, used);
  const g = graph(tree, { weakRefs: (type) => particles.get(type)?.weakRefs });
  ended("render");
  const ctx = context(tree.stack, options);
  return locked(ctx, options, "apply", async () => {
    const snapshot = await read(
      tree,
      particles,
      { ...ctx, progress: () => {} },
      { refreshAttrs: options.refreshAttrs ?? false, concurrency: options.concurrency ?? DEFAULT_CONCURRENCY },
    );
    ended("read");
    const plan = planActions(tree, g, snapshot, particles);
    const expiry = expiryPlan(tree, snapshot.owned, plan, new Date());
    if (expiry) plan.expiry = expiry;
    // Any ordering the plan cannot satisfy fails here, before anyone approves it; so does touching what is protected.
    steps(plan, (type) => particles.get(type)?.configure !== undefined);
    refuseProtected(plan, snapshot, g.nodes, particles);
    if (!options.particles) {
      plan.notes.push(
        "Only the kinds of resource rendered in the tree were read: pass `particles` (e.g. from @jiti/aws-particles) to also find, and delete, resources of kinds no longer rendered.",
      );
    }
    ended("plan");
    return {
      prepared: { tree, snapshot, plan, warnings, waived },
      run: (more) => execute(plan, g.nodes, snapshot, particles, ctx, { ...options, ...more }),
    };
  });
}

/**
 * Reads and plans under the stack's lock, when the run has one, and gives
 * back a run that applies the plan and then lets go of the lock: held from
 * before the read to the end of the apply, so that the plan shown is the plan
 * applied. A failure before the apply lets go of it too.
 */
async function locked(
  ctx: Omit<ParticleContext, "progress">,
  options: RunOptions,
  command: string,
  prepare: () => Promise<{ prepared: PlanResult; run: (more: Parameters<PreparedRun["apply"]>[0]) => Promise<ApplyResult> }>,
): Promise<PreparedRun> {
  let held: HeldLock | undefined;
  // What taking the lock reports (a stale lock taken over) goes with the plan, as its notes.
  const lockNotes: string[] = [];
  if (options.lock)
    held = await options.lock.acquire(
      { ...ctx, progress: (message) => void lockNotes.push(message) },
      { command: options.command ?? command, host: hostname(), pid: process.pid },
    );
  const release = async () => {
    const lock = held;
    held = undefined;
    await lock?.release();
  };
  try {
    const { prepared, run } = await prepare();
    prepared.plan.notes.unshift(...lockNotes);
    return {
      ...prepared,
      release,
      apply: async (more = {}) => {
        try {
          return { ...(await run(more)), plan: prepared.plan };
        } finally {
          await release();
        }
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** Fails before any change when the plan would delete or replace a protected resource. */
function refuseProtected(plan: Plan, snapshot: Snapshot, nodes: ReadonlyMap<string, ParticleNode>, particles?: Catalogue) {
  const problems = protectionProblems(plan, snapshot, nodes, particles);
  if (problems.length > 0) throw new ProtectionError(problems);
}

/** What `destroy` would delete (everything the stack owns, found from its tags alone); `apply()` deletes it. */
export async function prepareDestroy(stack: string, options: RunOptions = {}): Promise<PreparedRun> {
  return destroyRun(stack, options, true);
}

/** A destroy's plan and run; `refuse` fails it when it would delete what is protected (not for a plan alone, which only shows). */
async function destroyRun(stack: string, options: RunOptions, refuse: boolean): Promise<PreparedRun> {
  const particles = catalogueOf(options);
  if (particles.size === 0) {
    // Without the kinds to list, nothing would be found and the destroy would "succeed" leaving everything.
    throw new Error(
      "destroy needs every kind of resource the stack may own: pass { particles } (e.g. `particles` from @jiti/aws-particles)",
    );
  }
  const tree: StackTree = { stack, tags: {}, children: [] };
  const ctx = context(stack, options);
  const ended = phaseClock(options);
  return locked(ctx, options, "destroy", async () => {
    const snapshot = await read(undefined, particles, { ...ctx, progress: () => {} });
    ended("read");
    const plan = planActions(tree, graph(tree), snapshot, particles);
    ended("plan");
    for (const a of plan.actions) a.reason = "destroying the stack";
    if (refuse) refuseProtected(plan, snapshot, new Map());
    return {
      prepared: { tree, snapshot, plan, warnings: [], waived: [] },
      run: (more) => execute(plan, new Map(), snapshot, particles, ctx, { ...options, ...more }),
    };
  });
}

/** Who holds the stack's lock, if anyone. Needs `lock`. */
export async function lockHolder(stack: string, options: RunOptions & { lock: StackLock }): Promise<LockRecord | undefined> {
  return options.lock.holder({ ...context(stack, options), progress: () => {} });
}

/** Removes the stack's lock, whoever holds it: for a lock whose holder is gone. Needs `lock`. */
export async function unlock(stack: string, options: RunOptions & { lock: StackLock }): Promise<void> {
  await options.lock.breakLock({ ...context(stack, options), progress: () => {} });
}

/** Renders the stack, reads what it owns and returns what an apply would do. Changes nothing. */
export async function plan(element: JitiNode, options: RunOptions = {}): Promise<PlanResult> {
  // A plan changes nothing: it takes no lock.
  const { tree, snapshot, plan, warnings, waived } = await prepareApply(element, withoutLock(options));
  return { tree, snapshot, plan, warnings, waived };
}

/** Makes live AWS match the stack. Resolves with every element's outputs; throws ApplyError listing failures. */
export async function apply(element: JitiNode, options: RunOptions = {}): Promise<ApplyOutcome> {
  return (await prepareApply(element, options)).apply();
}

/** What `destroy` would delete: everything the stack owns, found from its tags alone. */
export async function planDestroy(stack: string, options: RunOptions = {}): Promise<PlanResult> {
  // What a destroy would delete, protected resources included: listing them (`jiti ls`) refuses nothing.
  const { tree, snapshot, plan, warnings, waived } = await destroyRun(stack, withoutLock(options), false);
  return { tree, snapshot, plan, warnings, waived };
}

/** Deletes everything the stack owns, children first. Works without the stack's source. */
export async function destroy(stack: string, options: RunOptions = {}): Promise<ApplyOutcome> {
  return (await prepareDestroy(stack, options)).apply();
}

function withoutLock(options: RunOptions): RunOptions {
  const { lock: _lock, ...rest } = options;
  return rest;
}
