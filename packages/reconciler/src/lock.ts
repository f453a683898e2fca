import type { Grant, ParticleContext } from "./particle.js";

/**
 * One apply of a stack at a time, across machines: `render` and `destroy`
 * take the stack's lock before reading AWS and hold it until the apply ends
 * (the plan they show is then the plan they apply); `plan` takes none. The
 * reconciler only calls this contract; an implementation keeps the lock
 * somewhere every deployer of the stack can reach (aws-particles' `ssmLock`
 * keeps it in SSM Parameter Store).
 */
export interface StackLock {
  /**
   * Takes the lock of `ctx.stack`, or fails at once with a `StackLockedError`
   * naming who holds it. What it reports through `ctx.progress` (a stale lock
   * taken over) becomes a note of the run's plan.
   */
  acquire(ctx: ParticleContext, holder: LockHolder): Promise<HeldLock>;
  /** Who holds the lock of `ctx.stack`, if anyone. */
  holder(ctx: ParticleContext): Promise<LockRecord | undefined>;
  /** Removes the lock of `ctx.stack`, whoever holds it: `jiti unlock`, for a lock whose holder is gone. */
  breakLock(ctx: ParticleContext): Promise<void>;
  /** The IAM actions taking and letting go of the lock call, for the deploy policy (`${stack}` is the stack's name). */
  permissions?: readonly Grant[];
}

/** Who runs an apply: what a lock records, and what a refusal names. */
export interface LockHolder {
  /** `render`, `destroy`, or what an API caller says it runs. */
  command: string;
  host: string;
  pid: number;
}

/** A lock as it is held: by whom, since when, and when it expires without a heartbeat. */
export interface LockRecord extends LockHolder {
  /** The caller's AWS identity (an ARN), when it could be read. */
  identity?: string;
  /** When the lock was taken (ISO 8601). */
  since: string;
  /** The holder's last sign of life (ISO 8601). */
  heartbeat: string;
  /** When, without another heartbeat, the lock lapses and may be taken over (ISO 8601). */
  expires: string;
}

/** A lock `acquire` took: this run's until it lets go. */
export interface HeldLock {
  /** Lets go of the lock (only if it is still this run's). */
  release(): Promise<void>;
}

/** Another run holds the stack's lock: nothing was read or changed. */
export class StackLockedError extends Error {
  override readonly name = "StackLockedError";
  readonly code = "StackLocked";
  constructor(
    readonly lockedStack: string,
    readonly record: LockRecord,
  ) {
    const who = record.identity ? `${record.identity} on ${record.host}` : `${record.host}`;
    super(
      `stack ${lockedStack} is locked by \`jiti ${record.command}\` (${who}, pid ${record.pid}) since ${record.since}; ` +
        `its last heartbeat was at ${record.heartbeat}, and without another it lapses at ${record.expires}`,
    );
  }
}
