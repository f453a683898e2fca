import { particleOf, type AnyParticle } from "@jiti/reconciler";
import * as kinds from "./kinds.js";

export * from "./kinds.js";
export { Stack, Tags } from "@jiti/reconciler";
export { amazonLinux, ubuntu } from "./ec2/image.js";
export type { ImageLookup, AmazonLinuxLookup, UbuntuLookup, ImageArch } from "./ec2/image.js";
export { rules, structuralRules, policyRules, requiredTags } from "./rules/index.js";
export { readAwsError } from "./aws/errors.js";
export { ssmLock } from "./aws/lock.js";
export type { SsmLockOptions } from "./aws/lock.js";
export type { AwsErrorInfo } from "./aws/errors.js";

/**
 * Every particle kind of this package (those `kinds.ts` lists, by name):
 * pass it as `particles` to `plan`, `apply` and `destroy` so resources of
 * kinds no longer rendered are found too.
 */
export const particles: readonly AnyParticle[] = Object.keys(kinds).flatMap((name) => particleOf(kinds[name as keyof typeof kinds]) ?? []);
