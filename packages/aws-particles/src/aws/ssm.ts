import { SSMClient } from "@aws-sdk/client-ssm";
import type { ParticleContext } from "@jiti/reconciler";

/**
 * The SSM client of a run, kept in the run's cache like those of clients.ts,
 * and configured the same way: the standard chain (credentials, profile,
 * region, `AWS_ENDPOINT_URL`), with the run's explicit settings over it and
 * adaptive retries so that throttling never fails an apply.
 *
 * It lives in its own file so that only particles reading SSM parameters
 * (image lookups) load the SSM SDK. The settings repeat `config()` of
 * clients.ts, which is not exported; exporting it would remove the copy.
 */
export function ssm(ctx: ParticleContext): SSMClient {
  const key = "aws.ssm.client";
  let client = ctx.cache.get(key) as SSMClient | undefined;
  if (!client) {
    const { region, profile, endpoint, credentials } = ctx.aws;
    client = new SSMClient({
      ...(region ? { region } : {}),
      ...(profile ? { profile } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      retryMode: "adaptive",
      maxAttempts: 8,
    });
    ctx.cache.set(key, client);
  }
  return client;
}
