import { enablePatches, produceWithPatches, type Patch } from "immer";
import {
  isRefValue,
  type AnyParticle,
  type PendingRef,
  type Desired,
  type Json,
  type JsonObject,
  type LiveResource,
  type ParticleContext,
} from "./particle.js";
import type { Action, Plan } from "./plan/index.js";
import type { Catalogue, Snapshot } from "./read.js";
import type { ParticleNode } from "./tree.js";

enablePatches();

export type StepKind = "create" | "update" | "delete";

/** Progress of an apply, as the CLI and `--json` show it. */
export interface ApplyEvent {
  event: "start" | "wait" | "done" | "failed" | "skipped";
  /** The plan action's key (its element path, mostly). */
  key: string;
  path: string;
  type: string;
  /** What this step does; a replace is a create and a delete. */
  step: StepKind;
  /** The action the step belongs to. */
  action: Action["action"];
  /** The resource's id, once known. */
  id?: string;
  /** What a `wait` waits for; why a step was skipped. */
  message?: string;
  error?: FailureInfo;
  /** Since the step started (done, failed). */
  elapsedMs?: number;
}

export interface FailureInfo {
  message: string;
  /** AWS's error code (`DependencyViolation`), when the error came from AWS. */
  code?: string;
  requestId?: string;
}

export interface Failure extends FailureInfo {
  key: string;
  path: string;
  type: string;
  step: StepKind;
  source?: string;
}

/** One applied change: the live model's patches, for audit (`jiti render --journal`). */
export interface JournalEntry {
  key: string;
  step: StepKind;
  patches: Patch[];
}

export interface ApplyResult {
  /** Outputs of every element in the tree, by path. */
  outputs: Record<string, JsonObject>;
  /** Live resources after the apply, by action key. */
  live: Record<string, LiveResource>;
  failures: Failure[];
  skipped: string[];
  journal: JournalEntry[];
  /** Set when the run was stopped (an abort signal) before every step started. */
  interrupted?: { notStarted: number; reason: string };
}

export interface ExecuteOptions {
  /** How many AWS operations run at once. @default 10 */
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: (event: ApplyEvent) => void;
}

/** The apply failed: every failed element, with AWS's code and request id. */
export class ApplyError extends Error {
  override readonly name = "ApplyError";
  constructor(readonly result: ApplyResult) {
    const lines = result.failures.map(
      (f) =>
        `  - ${f.source ? `${f.source}: ` : ""}${f.path || f.key} (${f.type}): ${f.step} failed: ${f.message}` +
        `${f.code ? ` [${f.code}${f.requestId ? `, request ${f.requestId}` : ""}]` : ""}`,
    );
    const skipped =
      result.skipped.length > 0 ? `\n${result.skipped.length} dependent step(s) were skipped: ${result.skipped.join(", ")}` : "";
    const head = result.interrupted
      ? `interrupted (${result.interrupted.reason}): ${result.interrupted.notStarted} step(s) were not started${lines.length > 0 ? `, and ${lines.length} element(s) failed:` : ""}`
      : `${result.failures.length} element(s) failed:`;
    super(`${head}\n${lines.join("\n")}${skipped}`);
  }
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "aborted";
}

interface Step {
  id: string;
  kind: StepKind;
  action: Action;
  deps: Set<string>;
  /** An update that completes a create once its weak references' targets exist. */
  completes?: true;
}

/**
 * Builds the steps of a plan. A create/update waits for what it depends on
 * to be usable; a delete waits until everything that used the resource has
 * moved off or gone; a replace is a create and a delete ordered by its
 * strategy.
 */
export function steps(plan: Plan): Map<string, Step> {
  const out = new Map<string, Step>();
  const byKey = new Map(plan.actions.map((a) => [a.key, a]));
  const make = (action: Action, kind: StepKind) => {
    const step: Step = { id: `${kind} ${action.key}`, kind, action, deps: new Set() };
    out.set(step.id, step);
    return step;
  };
  // The step after which an action's resource is usable by dependents.
  const ready = (key: string) => {
    const a = byKey.get(key);
    if (!a) return undefined;
    return a.action === "create" || a.action === "replace" ? `create ${key}` : a.action === "update" ? `update ${key}` : undefined;
  };
  // The step after which an action no longer uses (or holds) its old resource.
  const gone = (key: string) => {
    const a = byKey.get(key);
    if (!a) return undefined;
    return a.action === "delete" || a.action === "replace" ? `delete ${key}` : a.action === "update" ? `update ${key}` : undefined;
  };
  for (const action of plan.actions) {
    if (action.action === "noop") continue;
    if (action.action === "create" || action.action === "update" || action.action === "replace") {
      const s = make(action, action.action === "update" ? "update" : "create");
      for (const d of action.dependsOn) {
        const r = ready(d);
        if (r) s.deps.add(r);
      }
      for (const k of action.createAfter ?? []) {
        const r = gone(k);
        if (r) s.deps.add(r);
      }
    }
    if (action.action === "delete" || action.action === "replace") {
      const s = make(action, "delete");
      // Before a delete-first replace (or a rename whose new resource must
      // wait for this delete), referrers cannot move to the new resource: it
      // does not exist yet. They are updated after its create.
      const clashing = plan.actions.some((a) => a.createAfter?.includes(action.key));
      const deleteFirst = (action.action === "replace" && action.strategy === "delete-first") || clashing;
      // A renamed resource goes once its replacement exists, as in a replace.
      if (action.renamedTo) {
        const r = ready(action.renamedTo);
        if (r) s.deps.add(r);
      }
      for (const k of action.deleteAfter) {
        if (deleteFirst && byKey.get(k)?.action === "update") continue;
        const r = gone(k);
        if (r && r !== s.id) s.deps.add(r);
      }
    }
  }
  for (const action of plan.actions) {
    if (!action.completeAfter) continue;
    const step: Step = { id: `complete ${action.key}`, kind: "update", action, deps: new Set([`create ${action.key}`]), completes: true };
    for (const k of action.completeAfter) {
      const r = ready(k);
      if (r) step.deps.add(r);
    }
    out.set(step.id, step);
  }
  for (const action of plan.actions) {
    if (action.action !== "replace") continue;
    if (action.strategy === "delete-first") out.get(`create ${action.key}`)!.deps.add(`delete ${action.key}`);
    else out.get(`delete ${action.key}`)!.deps.add(`create ${action.key}`);
  }
  assertAcyclic(out);
  return out;
}

function assertAcyclic(all: Map<string, Step>) {
  const state = new Map<string, number>();
  const visit = (id: string, trail: string[]) => {
    if (state.get(id) === 2) return;
    if (state.get(id) === 1) throw new Error(`jiti: internal error: the plan's steps form a cycle: ${[...trail, id].join(" -> ")}`);
    state.set(id, 1);
    for (const d of all.get(id)?.deps ?? []) visit(d, [...trail, id]);
    state.set(id, 2);
  };
  for (const id of all.keys()) visit(id, []);
}

/**
 * Runs a plan as a DAG with bounded concurrency. A failure skips only the
 * steps that depend on it; all independent work finishes. Throws an
 * ApplyError listing every failure when anything failed.
 */
export async function execute(
  plan: Plan,
  nodes: ReadonlyMap<string, ParticleNode>,
  snapshot: Snapshot,
  particles: Catalogue,
  ctx: Omit<ParticleContext, "progress">,
  options: ExecuteOptions = {},
): Promise<ApplyResult> {
  const all = steps(plan);
  const concurrency = Math.max(1, options.concurrency ?? 10);
  const emit = options.onEvent ?? (() => {});
  const signal = options.signal ?? ctx.signal;

  // The live model: resources by action key. Each step changes it through an
  // immer recipe over only the entries it touches, so every applied change is
  // recorded as patches (the journal) and every resource stays frozen, while
  // a commit costs the same in a stack of ten resources or ten thousand.
  const model: Record<string, LiveResource> = {};
  const ownedById = new Map(snapshot.owned.map((l) => [`${l.type} ${l.id}`, l]));
  for (const a of plan.actions) {
    const live = a.existing ? snapshot.existing[a.path] : ownedById.get(`${a.type} ${a.id}`);
    if (live) model[a.key] = live;
  }
  const journal: JournalEntry[] = [];
  const commit = (key: string, step: StepKind, touched: string[], recipe: (draft: Record<string, LiveResource>) => void) => {
    const base = Object.fromEntries(touched.filter((k) => k in model).map((k) => [k, model[k]!]));
    const [next, patches] = produceWithPatches(base, recipe);
    for (const k of touched) {
      if (k in next) model[k] = next[k]!;
      else delete model[k];
    }
    journal.push({ key, step, patches });
  };

  const failures: Failure[] = [];
  const skipped: string[] = [];
  const blocked = new Set<string>();
  const pending = new Set(all.keys());
  const running = new Set<Promise<void>>();

  const perform = async (step: Step, particle: AnyParticle, stepCtx: ParticleContext): Promise<string | undefined> => {
    const { action } = step;
    if (step.kind === "delete") {
      // A create-before-delete replace has set the old resource aside under `#old`.
      const slot = action.action === "replace" && action.strategy !== "delete-first" ? `${action.key}#old` : action.key;
      const live = model[slot];
      if (!live) return undefined;
      assertOwned(live, ctx.stack);
      await particle.delete(stepCtx, live);
      commit(action.key, "delete", [slot], (d) => {
        delete d[slot];
      });
      return live.id;
    }
    const desired = desiredOf(particle, nodes.get(action.path)!, snapshot, model, ctx.stack, step.kind === "create");
    if (step.kind === "create") {
      const created = await particle.create(stepCtx, desired);
      const old = model[action.key];
      commit(action.key, "create", [action.key, `${action.key}#old`], (d) => {
        if (old) d[`${action.key}#old`] = old;
        d[action.key] = created;
      });
      return created.id;
    }
    let live = model[action.key]!;
    assertOwned(live, ctx.stack);
    // Completing a create: the weakly referenced props, now that their targets exist.
    const fields = step.completes
      ? [...(particle.weakRefs ?? [])].filter((f) => f in desired.props)
      : action.changes.filter((c) => c.field !== "state").map((c) => c.field);
    if (fields.length > 0) live = await particle.update(stepCtx, live, desired, fields);
    if (particle.setState && action.changes.some((c) => c.field === "state")) {
      live = await particle.setState(stepCtx, live, desired.state);
    }
    const updated = live;
    commit(action.key, "update", [action.key], (d) => {
      d[action.key] = updated;
    });
    return updated.id;
  };

  const start = (step: Step) => {
    const { action } = step;
    const particle = particles.get(action.type)!;
    const base = { key: action.key, path: action.path, type: action.type, step: step.kind, action: action.action } as const;
    const started = Date.now();
    const stepCtx: ParticleContext = { ...ctx, signal, progress: (message) => emit({ ...base, event: "wait", message }) };
    // A replace's create makes a new resource: the old id is not its own.
    const known = step.kind === "create" ? undefined : action.id;
    emit({ ...base, event: "start", ...(known ? { id: known } : {}) });
    const p: Promise<void> = perform(step, particle, stepCtx)
      .then(
        (id) => {
          emit({ ...base, event: "done", ...(id ? { id } : {}), elapsedMs: Date.now() - started });
          settle(step.id);
        },
        (error: unknown) => {
          const info = failureInfo(error);
          failures.push({ ...base, ...info, ...(action.source ? { source: action.source } : {}) });
          blocked.add(step.id);
          emit({ ...base, event: "failed", error: info, elapsedMs: Date.now() - started });
          settle(step.id);
        },
      )
      .finally(() => running.delete(p));
    running.add(p);
  };

  const skip = (step: Step, message: string) => {
    skipped.push(step.id);
    const { action } = step;
    emit({ event: "skipped", key: action.key, path: action.path, type: action.type, step: step.kind, action: action.action, message });
  };

  // Ready steps wait in a queue; each step counts the dependencies it still
  // waits for, so scheduling stays linear in the number of steps and edges.
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  const ready: string[] = [];
  for (const step of all.values()) {
    waitingOn.set(step.id, step.deps.size);
    for (const d of step.deps) dependents.set(d, [...(dependents.get(d) ?? []), step.id]);
    if (step.deps.size === 0) ready.push(step.id);
  }
  const settle = (id: string) => {
    for (const next of dependents.get(id) ?? []) {
      if (!pending.has(next)) continue;
      if (blocked.has(id)) {
        // A step whose dependency failed or was skipped is skipped, transitively.
        pending.delete(next);
        blocked.add(next);
        skip(all.get(next)!, `skipped because "${id}" did not complete`);
        settle(next);
        continue;
      }
      const left = waitingOn.get(next)! - 1;
      waitingOn.set(next, left);
      if (left === 0) ready.push(next);
    }
  };
  const schedule = () => {
    while (ready.length > 0 && running.size < concurrency && !signal.aborted) {
      const id = ready.shift()!;
      if (!pending.delete(id)) continue;
      start(all.get(id)!);
    }
  };

  for (;;) {
    schedule();
    if (running.size === 0) break;
    await Promise.race(running);
  }
  const notStarted = pending.size;
  for (const id of pending) skip(all.get(id)!, signal.aborted ? "interrupted before it started" : "not started");

  const outputs: Record<string, JsonObject> = {};
  for (const [path, node] of nodes) {
    const live = model[path];
    if (live && node.state !== "terminated") outputs[path] = particles.get(node.type)!.outputs(live);
  }
  const interrupted = signal.aborted && notStarted > 0 ? { notStarted, reason: abortReason(signal) } : undefined;
  const result: ApplyResult = { outputs, live: model, failures, skipped, journal, ...(interrupted ? { interrupted } : {}) };
  if (failures.length > 0 || interrupted) throw new ApplyError(result);
  return result;
}

/** Desired props for create/update: references replaced by the current ids, ownership tags added. */
function desiredOf(
  particle: AnyParticle,
  node: ParticleNode,
  snapshot: Snapshot,
  model: Record<string, LiveResource>,
  stack: string,
  creating = false,
): Desired<JsonObject> {
  const props = snapshot.resolved[node.path] ?? node.props;
  const weak = new Set<string>(particle.weakRefs ?? []);
  const resolve = (value: Json, pendingAllowed: boolean): Json => {
    if (isRefValue(value)) {
      const target = model[value.$ref];
      if (target) return target.id;
      // A weak reference to what does not exist yet: left out of the create, completed later.
      if (pendingAllowed) return { $pending: value.$ref } satisfies PendingRef as unknown as Json;
      throw new Error(`${value.$ref} does not exist yet: it must be created before ${node.path}`);
    }
    if (Array.isArray(value)) return value.map((v) => resolve(v, pendingAllowed));
    if (value !== null && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, pendingAllowed)]));
    return value;
  };
  // Sorted by path at render, lists of references are sorted by id now.
  const substituted = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, resolve(v, creating && weak.has(k))])) as JsonObject;
  const resolved = particle.normalize ? (particle.normalize(substituted) as JsonObject) : substituted;
  const userTags = (resolved.tags ?? {}) as Record<string, string>;
  return {
    path: node.path,
    name: node.name,
    props: resolved,
    tags: { ...userTags, "jiti:stack": stack, "jiti:path": node.path },
    state: node.state,
  };
}

/** The guard behind "nothing foreign touched": only resources tagged with this stack are changed. */
function assertOwned(live: LiveResource, stack: string) {
  if (live.stack !== stack) {
    throw Object.assign(
      new Error(
        `refusing to change ${live.type} ${live.id}: it does not carry the ownership tag jiti:stack=${stack} (found: ${live.stack ?? "no tag"})`,
      ),
      { code: "NotOwned" },
    );
  }
}

function failureInfo(error: unknown): FailureInfo {
  if (typeof error !== "object" || error === null) return { message: String(error) };
  const e = error as { message?: string; name?: string; code?: string; Code?: string; $metadata?: { requestId?: string } };
  const code = e.Code ?? e.code ?? (e.$metadata ? e.name : undefined);
  const requestId = e.$metadata?.requestId;
  return { message: e.message ?? String(error), ...(code ? { code } : {}), ...(requestId ? { requestId } : {}) };
}
