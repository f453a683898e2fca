import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import type { ParticleContext } from "@jiti/reconciler/particle";
import { setCodeAndRequestId } from "./errors.js";

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

type Handler = (args: never) => Promise<unknown>;

/** What the factory needs of an SDK client: the `add` overload of an initialize-step middleware. */
interface SdkClient {
  middlewareStack: {
    add(middleware: (next: Handler) => Handler, options: { step: "initialize"; priority: "high"; name: string }): void;
  };
}

/**
 * A failed command's error, as the reconciler reads it: with AWS's `code`
 * and `requestId` (see `setCodeAndRequestId`). First of the initialize
 * step, so it sees the error after the SDK's retries have given up, and
 * after any middleware added later (a test's injected error) has thrown.
 */
const reportCodes =
  (next: Handler): Handler =>
  async (args) => {
    try {
      return await next(args);
    } catch (error) {
      throw setCodeAndRequestId(error);
    }
  };

/** Every client of a run is made through here (SSM's too), so every failed call reports its code and request id the same way. */
export function cached<T extends SdkClient>(ctx: ParticleContext, key: string, make: () => T): T {
  let client = ctx.cache.get(key) as T | undefined;
  if (!client) {
    client = make();
    client.middlewareStack.add(reportCodes, { step: "initialize", priority: "high", name: "jitiReportCodes" });
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

/**
 * Clients whose calls the SDK never retries by itself: for creates, which
 * `createOnce` retries only once it knows the first attempt made nothing.
 */
export function ec2Once(ctx: ParticleContext): EC2Client {
  return cached(ctx, "aws.ec2.client.once", () => new EC2Client({ ...config(ctx), maxAttempts: 1 }));
}

export function iamOnce(ctx: ParticleContext): IAMClient {
  return cached(ctx, "aws.iam.client.once", () => new IAMClient({ ...config(ctx), region: "us-east-1", maxAttempts: 1 }));
}
