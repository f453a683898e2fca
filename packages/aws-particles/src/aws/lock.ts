import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, type Parameter } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { StackLockedError, type LockHolder } from "@jiti/reconciler";
import type { HeldLock, LockRecord, ParticleContext, StackLock } from "@jiti/reconciler/particle";
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
 * - A stale lock is taken over: one without a heartbeat for `ttlMs` (a
 *   killed process, anywhere), or one taken on this very host by a pid that
 *   no longer runs (a process killed a moment ago: its re-run need not wait
 *   out the lapse). A live pid, or a pid on another host, is never judged
 *   by this host's processes.
 * - Taking over is overwriting the stale value, which SSM cannot make
 *   conditional. So the overwrite is done only under a claim on that very
 *   write of the parameter (its version and time): another parameter,
 *   `/jiti/lock/<stack>/takeover/<version>-<time>`, created with Overwrite
 *   off. Of runs racing for one stale lock exactly one creates the claim;
 *   under it, it checks the lock is still that write, overwrites it, and
 *   deletes the claim. The others fail naming the taker, or find the lock
 *   changed and fail naming its new holder. A claim left by a taker that
 *   died in those two calls is stale in turn, and taken over the same way.
 * - Letting go deletes the parameter, after checking it is still this run's.
 *
 * Failure modes, also in the README: a holder whose heartbeats fail for
 * `ttlMs` (a lost network) can have its lock taken over while it still runs;
 * a reader whose clock is far off AWS's misjudges lapse (by its skew); two
 * machines that share a host name but not their processes (containers given
 * one name) can judge each other's live pids dead.
 */
export interface SsmLockOptions {
  /** A lock whose holder wrote no heartbeat for this long has lapsed. @default 120_000 */
  ttlMs?: number;
  /** How often the holder writes one. @default 20_000 */
  heartbeatMs?: number;
}

/**
 * The stack's lock in SSM Parameter Store, for `RunOptions.lock`: taken
 * atomically, kept alive by heartbeats, taken over once stale (see
 * `SsmLockOptions`). Its `permissions` join the deploy policy.
 */
export function ssmLock(options: SsmLockOptions = {}): StackLock {
  const ttlMs = options.ttlMs ?? 120_000;
  const heartbeatMs = options.heartbeatMs ?? 20_000;
  return {
    permissions: [
      {
        // AddTagsToResource: the parameter is tagged with the stack in PutParameter itself.
        actions: ["ssm:PutParameter", "ssm:GetParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource"],
        resources: [
          "arn:aws:ssm:${region}:${account}:parameter/jiti/lock/${stack}",
          "arn:aws:ssm:${region}:${account}:parameter/jiti/lock/${stack}/takeover/*",
        ],
      },
    ],
    async acquire(ctx, holder) {
      const identity = await callerIdentity(ctx);
      const token = randomUUID();
      const since = new Date().toISOString();
      const value = JSON.stringify({ token, ...holder, ...(identity ? { identity } : {}), since } satisfies Stored);
      const name = lockName(ctx.stack);
      // A lock that goes between the failed put and the read is tried again; a few rounds settle a race.
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await create(ctx, name, value, `jiti: the lock of stack ${ctx.stack}; held while an apply runs`)) {
          return hold(ctx, name, token, value, heartbeatMs);
        }
        const current = await read(ctx, name, ttlMs);
        if (!current) continue;
        // This run's own put, whose reply was lost and which the SDK sent again: the lock is ours.
        if (current.token === token) return hold(ctx, name, token, value, heartbeatMs);
        const why = staleness(current);
        if (!why) throw new StackLockedError(ctx.stack, current.record);
        const taken = await takeOver(ctx, name, current, value, ttlMs);
        if (taken === "taken") {
          ctx.progress(tookOver(current.record, why));
          return hold(ctx, name, token, value, heartbeatMs);
        }
        // Another run is taking it over right now: it is the holder to name.
        if (taken !== "changed") throw new StackLockedError(ctx.stack, taken);
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

/** A lock (or a claim on one) as read: who holds it, whether it has lapsed, and which write of the parameter it is. */
interface Current {
  record: LockRecord;
  lapsed: boolean;
  /** The parameter's version and the time of that write: unique to it, as a parameter deleted and made again starts over at version 1. */
  write: string;
  /** The token of the run that wrote it, when jiti did. */
  token?: string;
}

function lockName(stack: string) {
  return `/jiti/lock/${stack}`;
}

/** Why `current` may be taken over, if it may. */
function staleness(current: Current): "lapsed" | "dead" | undefined {
  if (current.lapsed) return "lapsed";
  const { host, pid } = current.record;
  // Only this host's processes can be asked; a pid elsewhere is judged by its heartbeat alone.
  if (host === hostname() && !running(pid)) return "dead";
  return undefined;
}

/** Whether a process with this pid runs on this host: signal 0 checks without sending anything. */
function running(pid: number): boolean {
  // No usable pid (0: the record could not be read; below, a process group): judged by the heartbeat alone.
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** The note a takeover leaves, for the run's output. */
function tookOver(record: LockRecord, why: "lapsed" | "dead"): string {
  const left = `\`jiti ${record.command}\` (pid ${record.pid} on ${record.host}) since ${record.since}`;
  return why === "dead"
    ? `took over the lock left by ${left}: that process is no longer running`
    : `took over the lapsed lock of ${left}: its last heartbeat was at ${record.heartbeat}`;
}

/**
 * Overwrites the stale write `stale` of parameter `name` with `value`, under
 * a claim on that write, so that of runs doing this at once only one does:
 * "taken" when this run did; "changed" when the parameter is no longer that
 * write (another run took it over, or its holder let go); or the record of
 * the live run whose claim stands, which is taking it over now.
 */
async function takeOver(
  ctx: ParticleContext,
  name: string,
  stale: Current,
  value: string,
  ttlMs: number,
  depth = 0,
): Promise<"taken" | "changed" | LockRecord> {
  const claim = `${lockName(ctx.stack)}/takeover/${stale.write}`;
  if (!(await create(ctx, claim, value, `jiti: a run taking over a stale lock of stack ${ctx.stack}; held for two calls`))) {
    const other = await read(ctx, claim, ttlMs);
    // The claim is gone: its taker is done, and the lock has changed since it was read.
    if (!other) return "changed";
    // Unless it is this run's own claim, whose reply was lost: go on under it.
    if (other.token !== undefined && other.token === tokenOf(value)) return overwrite(ctx, name, stale, value, ttlMs, claim);
    // Its taker died inside those two calls: take over the claim first. A chain of such deaths is given up on.
    if (!staleness(other) || depth >= 2) return other.record;
    const claimed = await takeOver(ctx, claim, other, value, ttlMs, depth + 1);
    if (claimed !== "taken") return claimed;
  }
  return overwrite(ctx, name, stale, value, ttlMs, claim);
}

/** Under the claim `claim`: overwrites `name` if it is still the stale write, then lets go of the claim. */
async function overwrite(
  ctx: ParticleContext,
  name: string,
  stale: Current,
  value: string,
  ttlMs: number,
  claim: string,
): Promise<"taken" | "changed"> {
  try {
    const now = await read(ctx, name, ttlMs);
    if (now?.write !== stale.write) return "changed";
    await ssm(ctx).send(new PutParameterCommand({ Name: name, Value: value, Type: "String", Overwrite: true }));
    return "taken";
  } finally {
    await deleteParameter(ctx, claim);
  }
}

function tokenOf(value: string): string | undefined {
  return (JSON.parse(value) as Partial<Stored>).token;
}

/** Creates the parameter, tagged with the stack; false when it already exists. */
async function create(ctx: ParticleContext, name: string, value: string, description: string): Promise<boolean> {
  try {
    await ssm(ctx).send(
      new PutParameterCommand({
        Name: name,
        Value: value,
        Type: "String",
        Overwrite: false,
        Description: description,
        Tags: [{ Key: STACK_TAG, Value: ctx.stack }],
      }),
    );
    return true;
  } catch (error) {
    if (hasCode(error, "ParameterAlreadyExists")) return false;
    throw error;
  }
}

/** The lock as held now, with whether it has lapsed; undefined when nobody holds it. */
async function read(ctx: ParticleContext, name: string, ttlMs: number): Promise<Current | undefined> {
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
  const heartbeat = parameter.LastModifiedDate ?? new Date(0);
  const expires = new Date(heartbeat.getTime() + ttlMs);
  return {
    lapsed: expires.getTime() <= Date.now(),
    write: `${parameter.Version ?? 0}-${heartbeat.getTime()}`,
    ...(typeof parsed.token === "string" ? { token: parsed.token } : {}),
    record: {
      command: text(parsed.command, "unknown"),
      host: text(parsed.host, "an unknown host"),
      pid: typeof parsed.pid === "number" ? parsed.pid : 0,
      since: text(parsed.since, parameter.LastModifiedDate?.toISOString() ?? "an unknown time"),
      ...(typeof parsed.identity === "string" ? { identity: parsed.identity } : {}),
      heartbeat: heartbeat.toISOString(),
      expires: expires.toISOString(),
    },
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
