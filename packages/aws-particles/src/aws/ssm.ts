import { SSMClient } from "@aws-sdk/client-ssm";
import type { ParticleContext } from "@jiti/reconciler/particle";
import { cached, config } from "./clients.js";

/** The SSM client of a run (image lookups read public SSM parameters). */
export function ssm(ctx: ParticleContext): SSMClient {
  return cached(ctx, "aws.ssm.client", () => new SSMClient(config(ctx)));
}
