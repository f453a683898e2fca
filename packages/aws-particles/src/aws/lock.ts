import { randomUUID } from "node:crypto";
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, type Parameter } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { StackLockedError, type HeldLock, type LockHolder, type LockRecord, type ParticleContext, type StackLock } from "@jiti/reconciler";
import { cached, config } from "./clients.js";
import { hasCode } from "./errors.js";
import { ssm } from "./ssm.js";
import { STACK_TAG } from "./tags.js";

/**
 * The stack's lock as an SSM parameter, `/jiti/lock/<stack>`, in the account
 * and region the stack deploys to: no extra infrastructure, and every
 * deployer of the stack (a laptop, two CI pipelines) reaches it.
 *
 * - Taking it is PutParameter with Overwrite off, which AWS makes atomic: of
 *   two runs, exactly one creates the parameter; the other gets
 *   ParameterAlreadyExists and fails at once, naming the holder it reads.
 * - The holder writes a heartbeat (the same value again) every `heartbeatMs`;
 *   the time of the last write is AWS's own (`LastModifiedDate`), so no
 *   holder's clock is trusted.
 * - A lock without a heartbeat for `ttlMs` (a killed process) has lapsed: the
 *   next run deletes it and takes it, as above.
 * - Letting go deletes the parameter, after checking it is still this run's.
 *
 * Failure modes, also in the README: two runs taking over the same lapsed
 * lock within the same moment can both proceed (the deletion of a lapsed lock
 * is not conditional in SSM); a holder whose heartbeats fail for `ttlMs` (a
 * lost network) can have its lock taken over while it still runs; a reader
 * whose clock is far off AWS's misjudges lapse (by its skew).
 */
export interface SsmLockOptions {
  /** A lock whose holder wrote no heartbeat for this long has lapsed. @default 120_000 */
  ttlMs?: number;
  /** How often the holder writes one. @default 20_000 */
  heartbeatMs?: number;
}

export function ssmLock(options: SsmLockOptions = {}): StackLock {
  const ttlMs = options.ttlMs ?? 120_000;
  const heartbeatMs = options.heartbeatMs ?? 20_000;
  return {
    permissions: [
      {
        // AddTagsToResource: the parameter is tagged with the stack in PutParameter itself.
        actions: ["ssm:PutParameter", "ssm:GetParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource"],
        resources: ["arn:aws:ssm:${region}:${account}:parameter/jiti/lock/${stack}"],
      },
    ],
    async acquire(ctx, holder) {
      const identity = await callerIdentity(ctx);
      const token = randomUUID();
      const since = new Date().toISOString();
      const value = JSON.stringify({ token, ...holder, ...(identity ? { identity } : {}), since } satisfies Stored);
      const name = lockName(ctx.stack);
      // A lapsed lock is deleted and the put tried again; a few rounds settle a race with another taker.
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await ssm(ctx).send(
            new PutParameterCommand({
              Name: name,
              Value: value,
              Type: "String",
              Overwrite: false,
              Description: `jiti: the lock of stack ${ctx.stack}; held while an apply runs`,
              Tags: [{ Key: STACK_TAG, Value: ctx.stack }],
            }),
          );
          return hold(ctx, name, token, value, heartbeatMs);
        } catch (error) {
          if (!hasCode(error, "ParameterAlreadyExists")) throw error;
        }
        const current = await read(ctx, name, ttlMs);
        if (!current) continue;
        if (!current.lapsed) throw new StackLockedError(ctx.stack, current.record);
        ctx.progress(
          `taking over the lapsed lock of ${current.record.host} (pid ${current.record.pid}), last heartbeat ${current.record.heartbeat}`,
        );
        await deleteParameter(ctx, name);
      }
      const current = await read(ctx, name, ttlMs);
      if (current) throw new StackLockedError(ctx.stack, current.record);
      throw new Error(`could not take the lock of stack ${ctx.stack} (${name}): it kept changing hands; try again`);
    },
    async holder(ctx) {
      return (await read(ctx, lockName(ctx.stack), ttlMs))?.record;
    },
    async breakLock(ctx) {
      await deleteParameter(ctx, lockName(ctx.stack));
    },
  };
}

/** What the parameter holds. */
interface Stored extends LockHolder {
  /** This run's, to tell its own lock from a later holder's. */
  token: string;
  identity?: string;
  since: string;
}

function lockName(stack: string) {
  return `/jiti/lock/${stack}`;
}

/** The lock as held now, with whether it has lapsed; undefined when nobody holds it. */
async function read(
  ctx: ParticleContext,
  name: string,
  ttlMs: number,
): Promise<{ record: LockRecord; stored: Stored; lapsed: boolean } | undefined> {
  const parameter = await getParameter(ctx, name);
  if (!parameter) return undefined;
  // Not jiti's writing (or an older one): still a lock, its holder named as far as it can be.
  let parsed: Partial<Stored> = {};
  try {
    const value: unknown = JSON.parse(parameter.Value ?? "");
    if (typeof value === "object" && value !== null) parsed = value as Partial<Stored>;
  } catch {
    // Not JSON at all.
  }
  const text = (value: unknown, fallback: string) => (typeof value === "string" && value !== "" ? value : fallback);
  const stored: Stored = {
    token: text(parsed.token, ""),
    command: text(parsed.command, "unknown"),
    host: text(parsed.host, "an unknown host"),
    pid: typeof parsed.pid === "number" ? parsed.pid : 0,
    since: text(parsed.since, parameter.LastModifiedDate?.toISOString() ?? "an unknown time"),
    ...(typeof parsed.identity === "string" ? { identity: parsed.identity } : {}),
  };
  const heartbeat = parameter.LastModifiedDate ?? new Date(0);
  const expires = new Date(heartbeat.getTime() + ttlMs);
  const { token: _token, ...holder } = stored;
  return {
    stored,
    lapsed: expires.getTime() <= Date.now(),
    record: { ...holder, heartbeat: heartbeat.toISOString(), expires: expires.toISOString() },
  };
}

/** The held lock: heartbeats until released; releases only if the lock is still this run's. */
function hold(ctx: ParticleContext, name: string, token: string, value: string, heartbeatMs: number): HeldLock {
  const ours = async () => {
    const parameter = await getParameter(ctx, name);
    return parameter !== undefined && (JSON.parse(parameter.Value ?? "{}") as Partial<Stored>).token === token;
  };
  let beating: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    // Rewriting the same value moves LastModifiedDate: that is the heartbeat. A failed beat is retried at the next.
    beating = ours()
      .then((mine) =>
        mine ? ssm(ctx).send(new PutParameterCommand({ Name: name, Value: value, Type: "String", Overwrite: true })) : undefined,
      )
      .catch(() => undefined);
  }, heartbeatMs);
  // The heartbeat must not keep a finished process alive.
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      await beating;
      if (await ours()) await deleteParameter(ctx, name);
    },
  };
}

async function getParameter(ctx: ParticleContext, name: string): Promise<Parameter | undefined> {
  try {
    return (await ssm(ctx).send(new GetParameterCommand({ Name: name }))).Parameter;
  } catch (error) {
    if (hasCode(error, "ParameterNotFound")) return undefined;
    throw error;
  }
}

async function deleteParameter(ctx: ParticleContext, name: string) {
  try {
    await ssm(ctx).send(new DeleteParameterCommand({ Name: name }));
  } catch (error) {
    if (!hasCode(error, "ParameterNotFound")) throw error;
  }
}

/** The caller's ARN, for naming the holder; a run without permission for it still locks. */
async function callerIdentity(ctx: ParticleContext): Promise<string | undefined> {
  try {
    const client = cached(ctx, "aws.sts.client", () => new STSClient(config(ctx)));
    return (await client.send(new GetCallerIdentityCommand({}))).Arn;
  } catch {
    return undefined;
  }
}
