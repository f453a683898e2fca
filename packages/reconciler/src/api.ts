import type { JitiNode } from "@jiti/jsx-runtime";
import { execute, type ApplyEvent, type ApplyResult } from "./execute.js";
import { graph } from "./graph.js";
import type { AnyParticle, AwsSettings, ParticleContext } from "./particle.js";
import { planActions, type Plan } from "./plan.js";
import { read, type Catalogue, type Snapshot } from "./read.js";
import { renderStack } from "./render/render.js";
import type { StackTree } from "./tree.js";

export interface RunOptions extends AwsSettings {
  /**
   * Every particle kind the stack may own (e.g. `particles` from
   * `@jiti/aws-particles`), so that resources of kinds no longer rendered are
   * still found and removed. Kinds used in the tree are always included.
   */
  particles?: Iterable<AnyParticle>;
  /** How many AWS operations run at once. @default 10 */
  concurrency?: number;
  /** Progress of the apply: start, wait, done, failed, skipped. */
  onEvent?: (event: ApplyEvent) => void;
  /** Stops starting new work; work in flight finishes or is aborted. */
  signal?: AbortSignal;
  /** Source locations in errors are relative to this folder. @default process.cwd() */
  sourceRoot?: string;
}

export interface PlanResult {
  tree: StackTree;
  snapshot: Snapshot;
  plan: Plan;
}

export interface ApplyOutcome extends ApplyResult {
  plan: Plan;
}

function context(stack: string, options: RunOptions): Omit<ParticleContext, "progress"> {
  const aws: AwsSettings = {};
  if (options.region) aws.region = options.region;
  if (options.profile) aws.profile = options.profile;
  if (options.endpoint) aws.endpoint = options.endpoint;
  if (options.credentials) aws.credentials = options.credentials;
  return { stack, aws, cache: new Map(), signal: options.signal ?? new AbortController().signal };
}

function catalogueOf(options: RunOptions, used: Map<string, AnyParticle> = new Map()): Catalogue {
  const all = new Map<string, AnyParticle>();
  for (const p of options.particles ?? []) all.set(p.type, p);
  for (const [type, p] of used) all.set(type, p);
  return all;
}

async function prepare(element: JitiNode, options: RunOptions) {
  const { tree, particles: used } = renderStack(element, options.sourceRoot ? { sourceRoot: options.sourceRoot } : {});
  const g = graph(tree);
  const particles = catalogueOf(options, used);
  const ctx = context(tree.stack, options);
  const snapshot = await read(tree, particles, { ...ctx, progress: () => {} });
  return { tree, g, particles, ctx, snapshot, plan: planActions(tree, g, snapshot, particles) };
}

/** Renders the stack, reads what it owns and returns what an apply would do. Changes nothing. */
export async function plan(element: JitiNode, options: RunOptions = {}): Promise<PlanResult> {
  const { tree, snapshot, plan } = await prepare(element, options);
  return { tree, snapshot, plan };
}

/** Makes live AWS match the stack. Resolves with every element's outputs; throws ApplyError listing failures. */
export async function apply(element: JitiNode, options: RunOptions = {}): Promise<ApplyOutcome> {
  const { g, particles, ctx, snapshot, plan } = await prepare(element, options);
  const result = await execute(plan, g.nodes, snapshot, particles, ctx, options);
  return { ...result, plan };
}

/** What `destroy` would delete: everything the stack owns, found from its tags alone. */
export async function planDestroy(stack: string, options: RunOptions = {}): Promise<PlanResult> {
  const particles = catalogueOf(options);
  const tree: StackTree = { stack, tags: {}, children: [] };
  const ctx = context(stack, options);
  const snapshot = await read(undefined, particles, { ...ctx, progress: () => {} });
  const plan = planActions(tree, graph(tree), snapshot, particles);
  for (const a of plan.actions) a.reason = "destroying the stack";
  return { tree, snapshot, plan };
}

/** Deletes everything the stack owns, children first. Works without the stack's source. */
export async function destroy(stack: string, options: RunOptions = {}): Promise<ApplyOutcome> {
  const { plan, snapshot } = await planDestroy(stack, options);
  const particles = catalogueOf(options);
  const result = await execute(plan, new Map(), snapshot, particles, context(stack, options), options);
  return { ...result, plan };
}
