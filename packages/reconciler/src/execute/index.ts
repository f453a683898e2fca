import type { JsonObject, ParticleContext } from "../particle.js";
import type { Plan } from "../plan/index.js";
import type { Catalogue, Snapshot } from "../read.js";
import type { ParticleNode } from "../tree.js";
import { liveModel } from "./_model.js";
import { perform } from "./_perform.js";
import { renewExpiry } from "./_renew.js";
import { CREATED_TAG, EXPIRES_TAG } from "../particle.js";
import { tagTime } from "../lifetime.js";
import { runSteps } from "./_scheduler.js";
import { abortReason, ApplyError, failureInfo } from "./failure.js";
import { steps } from "./steps.js";
import { DEFAULT_CONCURRENCY, type ApplyResult, type ExecuteOptions, type Failure, type Step } from "./types.js";

export { ApplyError } from "./failure.js";
export { steps } from "./steps.js";
export { DEFAULT_CONCURRENCY } from "./types.js";
export type { ApplyEvent, ApplyResult, ExecuteOptions, Failure, FailureInfo, JournalEntry, StepKind } from "./types.js";

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
  ctx: Omit<ParticleContext, "progress" | "idle">,
  options: ExecuteOptions = {},
): Promise<ApplyResult> {
  const emit = options.onEvent ?? (() => {});
  const signal = options.signal ?? ctx.signal;
  const expires: Record<string, string> = plan.expiry?.at ? { [EXPIRES_TAG]: plan.expiry.at } : {};
  const lifetime = { create: { [CREATED_TAG]: tagTime(new Date()), ...expires }, update: expires };
  const run = { model: liveModel(plan, snapshot), nodes, snapshot, lifetime };
  const failures: Failure[] = [];
  const skipped: string[] = [];

  const start = (step: Step, finished: (completed: boolean) => void, idle: ParticleContext["idle"]): Promise<void> => {
    const { action } = step;
    const particle = particles.get(action.type)!;
    const base = { key: action.key, path: action.path, type: action.type, step: step.kind, action: action.action } as const;
    const started = Date.now();
    const stepCtx: ParticleContext = { ...ctx, signal, idle, progress: (message) => emit({ ...base, event: "wait", message }) };
    // A replace's create makes a new resource: the old id is not its own; its configure acts on the new one.
    const idAtStart = step.kind === "create" ? undefined : step.kind === "configure" ? run.model.resources[action.key]?.id : action.id;
    emit({ ...base, event: "start", ...(idAtStart ? { id: idAtStart } : {}) });
    return perform(step, particle, stepCtx, run).then(
      (id) => {
        emit({ ...base, event: "done", ...(id ? { id } : {}), elapsedMs: Date.now() - started });
        finished(true);
      },
      (error: unknown) => {
        const info = failureInfo(error);
        failures.push({ ...base, ...info, ...(action.source ? { source: action.source } : {}) });
        emit({ ...base, event: "failed", error: info, elapsedMs: Date.now() - started });
        finished(false);
      },
    );
  };
  const skip = (step: Step, message: string, cause?: string) => {
    // A create's configure goes with it: its create's failure says all there is.
    if (step.kind === "configure" && cause === `create ${step.action.key}`) return;
    skipped.push(step.id);
    const { action } = step;
    emit({ event: "skipped", key: action.key, path: action.path, type: action.type, step: step.kind, action: action.action, message });
  };
  const configures = (type: string) => particles.get(type)?.configure !== undefined;
  const left = await runSteps(steps(plan, configures), {
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    signal,
    start,
    skip,
  });
  // A configure that did not start is one of a create that did not either: counted once, as that create.
  const notStarted = left.filter((step) => step.kind !== "configure").length;
  // What the apply kept has its expiry renewed: a stack in use lives on, even when a step failed.
  if (plan.expiry && !(signal.aborted && notStarted > 0)) {
    const idle: ParticleContext["idle"] = (wait) => wait;
    failures.push(...(await renewExpiry(plan.expiry.at, run.model, particles, { ...ctx, signal, idle, progress: () => {} })));
  }

  const { resources: live, journal } = run.model;
  const outputs: Record<string, JsonObject> = {};
  for (const [path, node] of nodes) {
    const resource = live[path];
    if (resource && node.state !== "terminated") outputs[path] = particles.get(node.type)!.outputs(resource);
  }
  const interrupted = signal.aborted && notStarted > 0 ? { notStarted, reason: abortReason(signal) } : undefined;
  const result: ApplyResult = { outputs, live, failures, skipped, journal, ...(interrupted ? { interrupted } : {}) };
  if (failures.length > 0 || interrupted) throw new ApplyError(result);
  return result;
}
