import { callerIdentity, particles, ssmLock } from "@jiti/aws-particles";
import { sweep, type SweepOptions, type SweepResult } from "@jiti/reconciler";

/**
 * The scheduled job of preview.yml: destroys the previews whose 48 hours
 * have passed since their last push (a pull request left open and idle, or
 * one whose close did not run). It names where it acts first, and fails
 * (exit 1) if any stack could not be destroyed, for the schedule's alert.
 *
 *   npx tsx examples/preview/sweep.ts
 */
export async function sweepPreviews(options: Partial<SweepOptions> = {}): Promise<SweepResult> {
  const where = await callerIdentity(options);
  console.log(`Sweeping previews in account ${where.account}, ${where.region}, as ${where.arn}`);
  const result = await sweep({ particles, lock: ssmLock(), command: "sweep", match: "preview-pr-*", ...options });
  for (const entry of result.stacks) console.log(`${entry.sweep ? "sweep" : "keep "}  ${entry.stack.name}: ${entry.reason}`);
  for (const done of result.destroyed) console.log(`destroyed ${done.stack}: ${done.plan.summary.delete} resources`);
  for (const spared of result.spared) console.log(`spared ${spared.stack}: ${spared.reason}`);
  for (const failed of result.failed)
    console.error(`failed ${failed.stack}: ${failed.error instanceof Error ? failed.error.message : String(failed.error)}`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await sweepPreviews();
  process.exitCode = result.failed.length > 0 ? 1 : 0;
}
