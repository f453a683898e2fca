import { EC2Client, type EC2ClientConfig } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AssumeRole, ParticleContext } from "@jiti/reconciler/particle";
import { setCodeAndRequestId } from "./errors.js";

/**
 * How every client of a run is configured: through the standard chain (the
 * SDK reads credentials, profile, region and `AWS_ENDPOINT_URL` itself),
 * which explicit settings from the run override.
 */
export function config(
  ctx: ParticleContext,
): Pick<EC2ClientConfig, "region" | "profile" | "endpoint" | "credentials" | "retryMode" | "maxAttempts"> {
  const { region, profile, endpoint, credentials, assumeRole } = ctx.aws;
  return {
    ...(region ? { region } : {}),
    ...(profile ? { profile } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(assumeRole ? { credentials: assumed(ctx, assumeRole) } : credentials ? { credentials } : {}),
    // Adaptive retries back off on throttling instead of failing the apply.
    retryMode: "adaptive",
    maxAttempts: 8,
  };
}

type AwsCredentialIdentityProvider = ReturnType<typeof fromTemporaryCredentials>;

/**
 * The role's credentials, one provider for the run (kept in its cache), so
 * that every client shares one AssumeRole and its renewal before expiry.
 * STS is called with what the run would otherwise use: its credentials,
 * profile, region and endpoint.
 */
function assumed(ctx: ParticleContext, role: AssumeRole): AwsCredentialIdentityProvider {
  const key = "aws.credentials.assumed";
  let provider = ctx.cache.get(key) as AwsCredentialIdentityProvider | undefined;
  if (!provider) {
    const { region, profile, endpoint, credentials } = ctx.aws;
    provider = shared(
      fromTemporaryCredentials({
        params: {
          RoleArn: role.roleArn,
          RoleSessionName: role.sessionName ?? sessionName(ctx.stack),
          ...(role.externalId ? { ExternalId: role.externalId } : {}),
        },
        ...(credentials ? { masterCredentials: credentials } : {}),
        clientConfig: { ...(region ? { region } : {}), ...(profile ? { profile } : {}), ...(endpoint ? { endpoint } : {}) },
      }),
    );
    ctx.cache.set(key, provider);
  }
  return provider;
}

/** How long before they expire credentials are renewed. */
const RENEW_MS = 5 * 60_000;

/**
 * One set of credentials for every client: each SDK client remembers what
 * its provider gave it, but only for itself, so the EC2, IAM and SSM clients
 * of a run would each assume the role. Renewed shortly before it expires; a
 * failed attempt is not remembered.
 */
function shared(provide: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let current: ReturnType<AwsCredentialIdentityProvider> | undefined;
  const fresh = () => {
    const attempt = provide();
    current = attempt;
    attempt.catch(() => {
      if (current === attempt) current = undefined;
    });
    return attempt;
  };
  return async () => {
    const pending = current ?? fresh();
    const identity = await pending;
    const expires = identity.expiration?.getTime();
    if (expires === undefined || expires - Date.now() >= RENEW_MS) return identity;
    // One renewal for all callers; until it comes, or should it fail, the old ones serve while they last.
    const renewal = current === pending ? fresh() : (current ?? fresh());
    return renewal.catch((error: unknown) => {
      if (expires <= Date.now()) throw error;
      return identity;
    });
  };
}

/** `jiti-<stack>`, within what STS allows in a session name: 2–64 of `[\w+=,.@-]`. */
export function sessionName(stack: string): string {
  return `jiti-${stack}`.replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
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

/**
 * One client per service per run, kept in the run's cache. Every client of
 * a run is made through here (SSM's too), so every failed call reports its
 * code and request id the same way.
 */
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
