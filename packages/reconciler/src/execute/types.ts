import type { Patch } from "immer";
import type { JsonObject, LiveResource } from "../particle.js";
import type { Action } from "../plan/index.js";

/** A step's verb: `configure` is the rest of a create, which dependents do not wait for. */
export type StepKind = "create" | "configure" | "update" | "delete";

/** One unit of work of an apply: a plan action, or half of a replace, or the completion of a create. */
export interface Step {
  id: string;
  kind: StepKind;
  action: Action;
  /** Ids of the steps that must have completed before this one starts. */
  deps: Set<string>;
  /** An update that completes a create once its weak references' targets exist. */
  completes?: true;
  /** A create's configure: it runs once its create has, also after the run was stopped. */
  continues?: true;
}

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

/**
 * What the reconciler reads of a thrown error: its `message`, and its own
 * `code` and `requestId` properties when they are strings. Particles throw
 * errors of that shape (aws-particles' clients set both on every AWS SDK
 * error; jiti's own errors, such as `NotOwned`, carry a `code`), so the
 * reconciler knows nothing of any SDK.
 */
export interface FailureInfo {
  message: string;
  /** The error's code: AWS's (`DependencyViolation`) when the error came from AWS. */
  code?: string;
  /** The provider's id of the failed request, for its support. */
  requestId?: string;
}

/** A step of an apply that threw: which element, which step, and what the error said. */
export interface Failure extends FailureInfo {
  key: string;
  path: string;
  type: string;
  step: StepKind;
  /** Where the element is written, `stack.tsx:12`, when known. */
  source?: string;
}

/** One applied change: the live model's patches, for audit (`jiti render --journal`). */
export interface JournalEntry {
  key: string;
  step: StepKind;
  patches: Patch[];
}

/** What an apply did: every element's outputs and live resource after it, and what failed or was skipped. */
export interface ApplyResult {
  /** Outputs of every element in the tree, by path. */
  outputs: Record<string, JsonObject>;
  /** Live resources after the apply, by action key. */
  live: Record<string, LiveResource>;
  failures: Failure[];
  /** Ids of the steps not run because a step they wait for failed (`create Vpc:main`). */
  skipped: string[];
  journal: JournalEntry[];
  /** Set when the run was stopped (an abort signal) before every step started. */
  interrupted?: { notStarted: number; reason: string };
}

/**
 * How many steps of an apply are at work at once unless told otherwise (a
 * step only waiting, for an instance to run or for a batched read, does not
 * count). Chosen with bench/critical-path: the smallest at which a wide
 * stack's writes, this many at a time, take no longer than its longest
 * chain of calls (63 writes ÷ 16 ≈ 4 calls, the chain's length), and no
 * slower there than 32 or 64. EC2 throttles each API by its own token
 * bucket (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html);
 * where AWS throttles anyway, the SDK's adaptive retry mode slows the calls.
 */
export const DEFAULT_CONCURRENCY = 16;

export interface ExecuteOptions {
  /** How many steps are at work at once; a step that only waits gives its place up. @default DEFAULT_CONCURRENCY */
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: (event: ApplyEvent) => void;
}
