/**
 * `@jiti/reconciler`: what a stack's author and a program that deploys
 * stacks use. Render a tree, plan, apply, destroy, the rules and the errors.
 * What a particle's author needs is at `@jiti/reconciler/particle`.
 */
export { renderTree, renderStack, Stack, Tags, isStack } from "./render/index.js";
export type { RenderOptions, Rendered, StackProps } from "./render/index.js";
export { defineConfig } from "./rules/index.js";
export type { Finding, JitiConfig, Rule, RuleNode, RuleResult, RuleSettings, RuleTree, Severity } from "./rules/index.js";
// Paths are opaque outside the reconciler; their parts, for tools and tests that must name them.
export { pathSegments } from "./path.js";
export type { PathSegment } from "./path.js";
export { walk } from "./tree.js";
export type { ParticleNode, StackTree } from "./tree.js";
export { graph } from "./graph.js";
export type { Graph, Edge, GraphOptions } from "./graph.js";
export { LookupError } from "./read.js";
export { KNOWN_AFTER_APPLY, ProtectionError } from "./plan/index.js";
export type { Plan, Action, Change, Verb } from "./plan/index.js";
export { ApplyError, DEFAULT_CONCURRENCY } from "./execute/index.js";
export type { ApplyEvent, ApplyResult, Failure, FailureInfo, JournalEntry, StepKind } from "./execute/index.js";
export { plan, apply, destroy, planDestroy, prepareApply, prepareDestroy, lockHolder, unlock } from "./api.js";
export type { RunOptions, PlanResult, ApplyOutcome, PreparedRun, Phase } from "./api.js";
export { listStacks, planSweep, sweep } from "./stacks.js";
export { forEachTarget } from "./targets.js";
export type { Target, TargetOutcome, ForEachTargetOptions } from "./targets.js";
export type { StackSummary, SweepOptions, SweepEntry, SweepPlan, SweepResult } from "./stacks.js";
export { durationMs, lifetimeOf, spanText } from "./lifetime.js";
export type { Lifetime } from "./lifetime.js";
export { RenderError, formatProblem, sentence } from "./problems.js";
export type { Problem, Issue } from "./problems.js";
export { StackLockedError } from "./lock.js";
export type { LockHolder } from "./lock.js";
export { deployPolicy } from "./permissions.js";
export type {
  DeployPolicy,
  PermissionsOptions,
  PolicyDocument as DeployPolicyDocument,
  PolicyStatement as DeployPolicyStatement,
} from "./permissions.js";
// The particle contract's types that plans, results and options are made of.
export type { AnyParticle, AssumeRole, AwsSettings, Json, JsonObject, LiveResource, DesiredState } from "./particle.js";
export { CREATED_TAG, EXPIRES_TAG, RENEWED_TAG } from "./particle.js";
