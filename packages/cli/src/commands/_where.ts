import type { RunOptions } from "@jiti/reconciler";
import { awsIdentity } from "../load/index.js";

/** The account and region a run acts in, as `account 123456789012, eu-west-1`, and as data for `--json`. */
export async function whereText(
  options: RunOptions,
): Promise<{ text: string; identity: { account: string; arn: string; region: string } }> {
  const { region, profile, endpoint, credentials, assumeRole } = options;
  const identity = await awsIdentity({
    ...(region ? { region } : {}),
    ...(profile ? { profile } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    ...(assumeRole ? { assumeRole } : {}),
  });
  return { text: `account ${identity.account}, ${identity.region}`, identity };
}
