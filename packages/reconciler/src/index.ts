export { renderTree, renderStack, formatSource, Stack, Tags, isStack } from "./render/index.js";
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
export { read, catalogue, mapLimit, LookupError } from "./read.js";
export type { Catalogue, ReadOptions, Snapshot } from "./read.js";
export { planActions, KNOWN_AFTER_APPLY, ProtectionError } from "./plan/index.js";
export type { Plan, Action, Change, Verb } from "./plan/index.js";
export { execute, steps, ApplyError, DEFAULT_CONCURRENCY } from "./execute/index.js";
export type { ApplyEvent, ApplyResult, ExecuteOptions, Failure, FailureInfo, JournalEntry, StepKind } from "./execute/index.js";
export { plan, apply, destroy, planDestroy, prepareApply, prepareDestroy, lockHolder, unlock } from "./api.js";
export type { RunOptions, PlanResult, ApplyOutcome, PreparedRun, Phase } from "./api.js";
export { RenderError, formatProblem } from "./problems.js";
export type { Problem, Issue } from "./problems.js";
export { defineParticle, particleOf, isRefValue, isPendingRef, PARTICLE, STACK_TAG, PATH_TAG, PROTECT_TAG } from "./particle.js";
export type * from "./particle.js";
export { checkFields, is, nearestName } from "./fields.js";
export type { Check, Checks, FieldRules } from "./fields.js";
export { digest, canonicalJson } from "./digest.js";
export { StackLockedError } from "./lock.js";
export { deployPolicy } from "./permissions.js";
export type {
  DeployPolicy,
  PermissionsOptions,
  PolicyDocument as DeployPolicyDocument,
  PolicyStatement as DeployPolicyStatement,
} from "./permissions.js";
export type { HeldLock, LockHolder, LockRecord, StackLock } from "./lock.js";
