import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { setTimeout as sleep } from "node:timers/promises";
import { particles, ssmLock } from "@jiti/aws-particles";
import { createElement } from "@jiti/jsx-runtime";
import { apply, destroy, type RunOptions } from "@jiti/reconciler";
import Workers from "./stack.js";

/**
 * An application that manages its own infrastructure: a queue worker fleet
 * that reads its backlog and renders as many workers as the backlog needs,
 * through jiti's programmatic API. Bounded (`min`, `max`), with a cool-down
 * between changes so that a burst does not flap the fleet, and under the
 * stack's lock, so two scalers never apply at once. `shutdown()` destroys
 * everything it made.
 */

export interface ScalerOptions {
  /** The queue whose backlog sizes the fleet. */
  queueUrl: string;
  env: string;
  /** Messages one worker keeps up with: the fleet is backlog ÷ this, rounded up. */
  perWorker: number;
  min: number;
  max: number;
  /** The least time between two changes of the fleet's size. */
  cooldownMs: number;
  /** Where jiti deploys, as `apply` takes it: region, assumeRole… */
  aws?: RunOptions;
  sqs?: SQSClient;
}

/** What one look at the backlog decided. */
export interface Decision {
  backlog: number;
  /** Workers before and after. */
  from: number;
  to: number;
  /** `scaled`, `steady`, or `cooling down` (a change wanted, but too soon after the last). */
  action: "scaled" | "steady" | "cooling down";
}

/** How many workers a backlog needs, within the bounds. */
export function workersFor(backlog: number, { perWorker, min, max }: Pick<ScalerOptions, "perWorker" | "min" | "max">): number {
  return Math.min(max, Math.max(min, Math.ceil(backlog / perWorker)));
}

export function createScaler(options: ScalerOptions) {
  const sqs = options.sqs ?? new SQSClient({});
  const run: RunOptions = { particles, lock: ssmLock(), command: "scaler", ...options.aws };
  let workers: number | undefined;
  let changedAt = Number.NEGATIVE_INFINITY;

  const backlog = async () => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  };
  const render = async (count: number) => {
    await apply(createElement(Workers, { env: options.env, workers: count }, undefined, undefined), run);
    workers = count;
  };

  return {
    /** Reads the backlog and, when the fleet should change and the cool-down allows, renders the new size. */
    async tick(now = Date.now()): Promise<Decision> {
      const messages = await backlog();
      const want = workersFor(messages, options);
      if (workers === undefined) {
        // The first look: whatever is live is made to match, cool-down or not.
        await render(want);
        changedAt = now;
        return { backlog: messages, from: 0, to: want, action: "scaled" };
      }
      const from = workers;
      if (want === from) return { backlog: messages, from, to: from, action: "steady" };
      if (now - changedAt < options.cooldownMs) return { backlog: messages, from, to: from, action: "cooling down" };
      await render(want);
      changedAt = now;
      return { backlog: messages, from, to: want, action: "scaled" };
    },
    /** Destroys the fleet and its network: nothing of the stack is left. */
    async shutdown(): Promise<void> {
      await destroy(`queue-workers-${options.env}`, run);
      workers = undefined;
    },
  };
}

/** Runs the scaler every `everyMs` until the signal, then shuts the fleet down. */
export async function runScaler(options: ScalerOptions & { everyMs: number; signal: AbortSignal }): Promise<void> {
  const scaler = createScaler(options);
  while (!options.signal.aborted) {
    const decision = await scaler.tick();
    console.log(`backlog ${decision.backlog}: ${decision.action}, ${decision.from} → ${decision.to} workers`);
    // Woken early by the signal: the fleet is shut down at once.
    await sleep(options.everyMs, undefined, { signal: options.signal }).catch(() => {});
  }
  await scaler.shutdown();
}

// `npx tsx examples/self-managing/scaler.ts`: scales the fleet behind QUEUE_URL until Ctrl-C or SIGTERM, then destroys it.
if (import.meta.url === `file://${process.argv[1]}`) {
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  await runScaler({
    queueUrl: process.env.QUEUE_URL ?? "",
    env: process.env.ENV ?? "dev",
    perWorker: 10,
    min: 1,
    max: 5,
    cooldownMs: 120_000,
    everyMs: 30_000,
    signal: stop.signal,
  });
}
