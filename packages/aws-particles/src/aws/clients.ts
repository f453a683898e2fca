import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import type { ParticleContext } from "@jiti/reconciler";

/**
 * One client per service per run, kept in the run's cache. Configured only
 * through the standard chain: the SDK reads credentials, profile, region and
 * `AWS_ENDPOINT_URL` itself; explicit settings from the run override them.
 */
export function config(ctx: ParticleContext) {
  const { region, profile, endpoint, credentials } = ctx.aws;
  return {
    ...(region ? { region } : {}),
    ...(profile ? { profile } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    // Adaptive retries back off on throttling instead of failing the apply.
    retryMode: "adaptive",
    maxAttempts: 8,
  };
}

export function cached<T>(ctx: ParticleContext, key: string, make: () => T): T {
  let client = ctx.cache.get(key) as T | undefined;
  if (!client) {
    client = make();
    ctx.cache.set(key, client);
  }
  return client;
}

export function ec2(ctx: ParticleContext): EC2Client {
  return cached(ctx, "aws.ec2.client", () => new EC2Client(config(ctx)));
}

export function iam(ctx: ParticleContext): IAMClient {
  // IAM is global: its endpoint is us-east-1 whatever the stack's region.
  return cached(ctx, "aws.iam.client", () => new IAMClient({ ...config(ctx), region: "us-east-1" }));
}
