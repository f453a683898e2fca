/**
 * The stack lock in SSM Parameter Store, against the emulator: one holder at
 * a time, the refusal naming the holder, the heartbeat, the takeover of a
 * lapsed lock, and letting go only of one's own.
 */
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { ssmLock } from "@jiti/aws-particles";
import { StackLockedError, type LockHolder, type ParticleContext } from "@jiti/reconciler";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { useMoto } from "@jiti/testkit";
import { particleContext } from "./context.js";

useMoto();
const ssm = new SSMClient({});
const holder = (command: string): LockHolder => ({ command, host: "ci-7", pid: 4242 });
const NAME = "/jiti/lock/test-stack";

async function parameter() {
  try {
    return (await ssm.send(new GetParameterCommand({ Name: NAME }))).Parameter;
  } catch {
    return undefined;
  }
}

async function refusal(ctx: ParticleContext, lock = ssmLock()): Promise<StackLockedError> {
  const error = await lock.acquire(ctx, holder("destroy")).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StackLockedError);
  return error as StackLockedError;
}

describe("ssmLock", () => {
  it("lets one run hold the lock; the next fails at once naming the holder; letting go frees it", async () => {
    const lock = ssmLock();
    const held = await lock.acquire(particleContext(), holder("render"));
    expect(JSON.parse((await parameter())!.Value!)).toMatchObject({
      command: "render",
      host: "ci-7",
      pid: 4242,
      identity: expect.stringMatching(/^arn:aws:/),
    });

    const error = await refusal(particleContext());
    expect(error.record).toMatchObject({ command: "render", host: "ci-7", pid: 4242 });
    expect(error.message).toMatch(/^stack test-stack is locked by `jiti render` \(arn:aws:\S+ on ci-7, pid 4242\) since \d{4}-\d\d-\d\dT/);
    expect(await lock.holder(particleContext())).toMatchObject({ command: "render" });

    await held.release();
    expect(await parameter()).toBeUndefined();
    expect(await lock.holder(particleContext())).toBeUndefined();
    await (await lock.acquire(particleContext(), holder("destroy"))).release();
  });

  it("takes over a lock whose holder stopped beating for longer than the lapse time", async () => {
    // A killed run's lock: written, then never touched again.
    await ssm.send(
      new PutParameterCommand({ Name: NAME, Type: "String", Value: JSON.stringify({ token: "gone", ...holder("render"), since: "x" }) }),
    );
    const lock = ssmLock({ ttlMs: 1_500 });
    await refusal(particleContext(), lock);
    await sleep(2_000);
    const progress: string[] = [];
    const held = await lock.acquire(particleContext("test-stack", progress), holder("destroy"));
    expect(progress).toEqual([expect.stringMatching(/^taking over the lapsed lock of ci-7 \(pid 4242\)/)]);
    expect(JSON.parse((await parameter())!.Value!)).toMatchObject({ command: "destroy" });
    await held.release();
  });

  it("keeps a live holder's lock by its heartbeat, past the lapse time", async () => {
    const lock = ssmLock({ ttlMs: 1_500, heartbeatMs: 300 });
    const held = await lock.acquire(particleContext(), holder("render"));
    await sleep(2_500);
    await refusal(particleContext(), lock);
    await held.release();
  });

  it("lets go only of its own lock: one taken over (or broken by jiti unlock) stays with its new holder", async () => {
    const lock = ssmLock();
    const first = await lock.acquire(particleContext(), holder("render"));
    await lock.breakLock(particleContext());
    expect(await parameter()).toBeUndefined();
    const second = await lock.acquire(particleContext(), holder("destroy"));
    await first.release();
    expect(JSON.parse((await parameter())!.Value!)).toMatchObject({ command: "destroy" });
    await second.release();
    expect(await parameter()).toBeUndefined();
  });
});
