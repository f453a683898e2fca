import type { ParticleContext } from "@jiti/reconciler/particle";
import { errorCode } from "./errors.js";

/**
 * What this run changed in IAM that other services see only after IAM's
 * propagation: an instance profile made or given a role moments ago is
 * refused by EC2 for a while. Recorded in the run's cache, so that EC2's
 * retry of that refusal is limited to the profiles this run touched, and a
 * real mistake (a profile that does not exist) fails at once.
 */
const CHANGED = "aws.iam.changedProfiles";

export function noteProfileChanged(ctx: ParticleContext, name: string): void {
  let names = ctx.cache.get(CHANGED) as Set<string> | undefined;
  if (!names) ctx.cache.set(CHANGED, (names = new Set()));
  names.add(name);
}

export function profileChangedThisRun(ctx: ParticleContext, name: string): boolean {
  return (ctx.cache.get(CHANGED) as Set<string> | undefined)?.has(name) ?? false;
}

/**
 * How long EC2 may refuse a profile IAM has just made or changed. AWS says
 * IAM changes take time to be seen everywhere
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency);
 * Terraform's AWS provider retries RunInstances on this refusal for its IAM
 * propagation timeout, 2 minutes (internal/service/ec2/ec2_instance.go,
 * internal/service/iam/consts.go `propagationTimeout`).
 */
export const PROFILE_PROPAGATION_MS = 120_000;

/**
 * EC2's answer while a profile is not yet usable by it: `InvalidParameterValue`
 * saying the profile is invalid ("Invalid IAM Instance Profile name", "…ARN")
 * or that it "has no associated IAM Roles". Any other `InvalidParameterValue`
 * is a real mistake in the request.
 */
export function isProfileNotReady(error: unknown): boolean {
  if (errorCode(error) !== "InvalidParameterValue") return false;
  const message = error instanceof Error ? error.message : "";
  return /Invalid IAM Instance Profile|has no associated IAM Roles/i.test(message);
}
