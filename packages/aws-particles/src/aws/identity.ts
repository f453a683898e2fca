import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsSettings, ParticleContext } from "@jiti/reconciler/particle";
import { config } from "./clients.js";

/** Where a run acts, as AWS sees it: the account, the caller, the region. */
export interface AwsIdentity {
  account: string;
  /** The caller's ARN: a user, or the assumed role's session. */
  arn: string;
  region: string;
}

/**
 * The account, caller and region that calls made with `settings` act in
 * (STS GetCallerIdentity, which needs no permission): what `jiti sweep`
 * names before it acts, and a scheduled job can log.
 */
export async function callerIdentity(settings: AwsSettings = {}): Promise<AwsIdentity> {
  const ctx: ParticleContext = {
    stack: "sweep",
    aws: settings,
    cache: new Map(),
    signal: new AbortController().signal,
    progress: () => {},
    idle: (wait) => wait,
  };
  const client = new STSClient(config(ctx));
  try {
    const out = await client.send(new GetCallerIdentityCommand({}));
    return { account: out.Account ?? "unknown", arn: out.Arn ?? "unknown", region: await client.config.region() };
  } finally {
    client.destroy();
  }
}
