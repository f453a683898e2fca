/**
 * `@jiti/reconciler/particle`: what a particle's author needs. The contract
 * (`defineParticle` and its types), the ownership tags, field checks for
 * `validate`, `digest` for what a tag records, and the stack lock's contract.
 */
export {
  defineParticle,
  particleOf,
  isRefValue,
  isPendingRef,
  PARTICLE,
  STACK_TAG,
  PATH_TAG,
  PROTECT_TAG,
  RETAIN_TAG,
  CREATED_TAG,
  EXPIRES_TAG,
  RENEWED_TAG,
} from "./particle.js";
export type * from "./particle.js";
export { checkFields, is, nearestName } from "./fields.js";
export type { Check, Checks, FieldRules } from "./fields.js";
export { digest, canonicalJson } from "./digest.js";
export { mapLimit } from "./read.js";
export { formatSource } from "./render/index.js";
export { StackLockedError } from "./lock.js";
export type { HeldLock, LockHolder, LockRecord, StackLock } from "./lock.js";
export type { Issue, Problem } from "./problems.js";
export type { Finding, Rule, RuleNode, RuleResult, RuleTree, Severity } from "./rules/index.js";
