import type { ParticleContext } from "@jiti/reconciler/particle";
import { randomUUID } from "node:crypto";
import { hasCode, readAwsError } from "./errors.js";
import { sleep } from "./wait.js";

/**
 * Tag set by the create call that made a resource: the token of that create,
 * one per element per run, which tells the resource it made from any other.
 * The AWS ClientToken of the creates that have one plays the same part.
 */
export const CREATE_TOKEN_TAG = "jiti:create-token";

export interface CreateOnce<T> {
  /** `VPC Vpc:main`: what is being made, for messages. */
  what: string;
  /**
   * Sends the create call, through a client that does not retry by itself
   * (`ec2Once`, `iamOnce`). With a ClientToken where the API has one: AWS then
   * answers a second attempt with the first one's resource.
   */
  send(tags: Record<string, string>): Promise<T>;
  /**
   * Finds the resource an attempt of this create made: the one carrying
   * `tags` (the attempt's token) besides its ownership tags; undefined when
   * there is none. A resource of the same element made before (the one a
   * replace replaces) does not carry them.
   */
  find(tags: Record<string, string>): Promise<T | undefined>;
  /**
   * AWS's answers meaning that the resource is already there
   * (`InvalidGroup.Duplicate`, `InvalidSubnet.Conflict`, `EntityAlreadyExists`):
   * made by an attempt whose reply was lost, or by someone else. `find`
   * tells which; someone else's is an error.
   */
  exists?: readonly string[];
}

/** Attempts at most, as the SDK's standard retries; and their backoff, as the SDK's (exponential, full jitter, at most 20 s). */
const MAX_ATTEMPTS = 8;
const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 20_000;
/** How long an earlier attempt's resource may take to show in AWS's reads (eventual consistency). */
const FIND_WINDOW_MS = 3_000;

/**
 * Makes a resource exactly once, whatever the network does. The SDK retries
 * a call whose reply was lost as if nothing had happened, which for a create
 * without an idempotency token (CreateVpc, CreateSubnet, CreateSecurityGroup,
 * CreateInternetGateway, IAM's creates) makes a second resource, or fails
 * with a Duplicate error for one that is in fact ours; and the emulator
 * ignores the tokens of the creates that have one (RunInstances,
 * CreateRouteTable). So creates go through here instead: after an answer
 * that leaves it open whether AWS made the resource (a server error, a reset
 * connection, no reply), and after an answer that it exists, the resource is
 * looked for first and taken when found; the call is sent again only when
 * it is not there. Throttling, which AWS answers before doing anything, is
 * retried after a pause. Anything else AWS refuses fails at once.
 */
export async function createOnce<T>(ctx: ParticleContext, create: CreateOnce<T>): Promise<T> {
  const token = { [CREATE_TOKEN_TAG]: randomUUID() };
  const find = () => findWithin(ctx, () => create.find(token), FIND_WINDOW_MS);
  for (let attempt = 1; ; attempt++) {
    try {
      return await create.send(token);
    } catch (error) {
      const info = readAwsError(error);
      if (create.exists && hasCode(error, ...create.exists)) {
        const earlier = await find();
        if (earlier !== undefined) return earlier;
        // Someone else's: the particle's own message says whose and what to do.
        throw error;
      }
      if (!info?.transient || attempt >= MAX_ATTEMPTS) throw error;
      if (!info.refused) {
        // The change may have been made: look before sending it again.
        const earlier = await find();
        if (earlier !== undefined) return earlier;
      }
      if (attempt === 1) ctx.progress(`retrying the create of ${create.what} (${info.code})`);
      await ctx.idle(sleep(Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt), ctx.signal));
    }
  }
}

/** `find`, looking again for a while: a resource just made may not show in AWS's reads at once. */
async function findWithin<T>(ctx: ParticleContext, find: () => Promise<T | undefined>, windowMs: number): Promise<T | undefined> {
  const deadline = Date.now() + windowMs;
  for (let pause = 250; ; pause *= 2) {
    const found = await find();
    if (found !== undefined || Date.now() + pause > deadline) return found;
    await ctx.idle(sleep(pause, ctx.signal));
  }
}
