/**
 * The stack lock in SSM Parameter Store, against the emulator: one holder at
 * a time, the refusal naming the holder, the heartbeat, the takeover of a
 * lapsed lock and of one left by a process of this host that is gone, and
 * letting go only of one's own.
 */
import { DescribeParametersCommand, GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { ssmLock } from "@jiti/aws-particles";
import { StackLockedError, type LockHolder } from "@jiti/reconciler";
import type { HeldLock, ParticleContext } from "@jiti/reconciler/particle";
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { startAwsProxy, useMoto } from "@jiti/testkit";
import { particleContext } from "./context.js";

const moto = useMoto();
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
    expect(progress).toEqual([
      expect.stringMatching(/^took over the lapsed lock of `jiti render` \(pid 4242 on ci-7\) since x: its last heartbeat was at \d{4}-/),
    ]);
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

/** A pid that ran on this host and has exited (and been reaped): what a SIGKILLed run leaves in its lock. */
function deadPid(): number {
  const { pid, status } = spawnSync(process.execPath, ["-e", ""]);
  expect(status).toBe(0);
  return pid;
}

/** Writes the lock as a run that is gone would have left it: never released, its heartbeat fresh. */
async function leftBy(host: string, pid: number, name = NAME) {
  const value = JSON.stringify({ token: "left", command: "render", host, pid, since: "2026-12-02T09:00:00.000Z" });
  await ssm.send(new PutParameterCommand({ Name: name, Type: "String", Value: value, Overwrite: true }));
}

/** The lock's own parameters left in SSM: the lock, and any claim of a takeover. */
async function lockParameters(): Promise<string[]> {
  const { Parameters } = await ssm.send(
    new DescribeParametersCommand({ ParameterFilters: [{ Key: "Name", Option: "BeginsWith", Values: [NAME] }] }),
  );
  return (Parameters ?? []).map((p) => p.Name!).sort();
}

describe("ssmLock, a lock whose holder on this host is no longer running", () => {
  it("is taken over at once, long before it lapses, saying whose it was", async () => {
    const pid = deadPid();
    await leftBy(hostname(), pid);
    const progress: string[] = [];
    const held = await ssmLock().acquire(particleContext("test-stack", progress), holder("destroy"));
    expect(progress).toEqual([
      `took over the lock left by \`jiti render\` (pid ${pid} on ${hostname()}) since 2026-12-02T09:00:00.000Z: that process is no longer running`,
    ]);
    expect(JSON.parse((await parameter())!.Value!)).toMatchObject({ command: "destroy", host: "ci-7", pid: 4242 });
    // The claim that guarded the overwrite is gone; letting go leaves nothing.
    expect(await lockParameters()).toEqual([NAME]);
    await held.release();
    expect(await lockParameters()).toEqual([]);
  });

  it("is refused while its pid runs on this host, and when its host is another one, whatever the pid", async () => {
    await leftBy(hostname(), process.pid);
    expect((await refusal(particleContext())).record).toMatchObject({ host: hostname(), pid: process.pid });
    // A pid of another machine says nothing about this one's processes: only its heartbeat counts.
    await leftBy("ci-runner-7", deadPid());
    expect((await refusal(particleContext())).record).toMatchObject({ host: "ci-runner-7" });
    expect(JSON.parse((await parameter())!.Value!)).toMatchObject({ token: "left", host: "ci-runner-7" });
  });

  it("goes to exactly one of two runs racing for it, whichever point of its takeover the one has reached when the other runs", async () => {
    // The second run talks to AWS through a proxy that stops it before its `n`th call; the first then runs whole.
    const proxy = await startAwsProxy(moto.endpoint);
    try {
      let calls = Infinity;
      for (let n = 0; n < calls; n++) {
        await moto.reset();
        await leftBy(hostname(), deadPid());
        proxy.clearCalls();
        const held = proxy.hold((call) => call.index === n);
        const paused = { ...particleContext(), aws: { ...particleContext().aws, endpoint: proxy.endpoint } };
        const second = ssmLock()
          .acquire(paused, { command: "second", host: hostname(), pid: process.pid })
          .then(
            (lock) => ({ lock }),
            (error: unknown) => ({ error }),
          );
        const stopped = await Promise.race([held.arrived.then(() => true), second.then(() => false)]);
        const first = await ssmLock()
          .acquire(particleContext(), { command: "first", host: hostname(), pid: process.pid })
          .then(
            (lock) => ({ lock }),
            (error: unknown) => ({ error }),
          );
        held.release();
        const outcomes = [first, await second];
        // Run alone, the second makes this many calls: every point of it is tried.
        if (!stopped) calls = n;
        const winners = outcomes.filter((o) => "lock" in o);
        expect(winners, `the second stopped before its call ${n}`).toHaveLength(1);
        const loser = outcomes.find((o) => "error" in o) as { error: unknown };
        expect(loser.error).toBeInstanceOf(StackLockedError);
        // It names a live run, never the dead holder.
        expect((loser.error as StackLockedError).record.pid).toBe(process.pid);
        expect(JSON.parse((await parameter())!.Value!)).toMatchObject({ command: winners[0] === first ? "first" : "second" });
        expect(await lockParameters()).toEqual([NAME]);
        await (winners[0] as { lock: HeldLock }).lock.release();
      }
      expect(calls).toBeGreaterThan(4);
    } finally {
      await proxy.close();
    }
  });

  it("is taken over also when a run taking it over died holding its claim", async () => {
    await leftBy(hostname(), deadPid());
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: NAME }));
    // The claim a taker makes on that write of the lock, left by a taker killed before it overwrote the lock.
    const claim = `${NAME}/takeover/${Parameter!.Version}-${Parameter!.LastModifiedDate!.getTime()}`;
    await leftBy(hostname(), deadPid(), claim);
    expect(await lockParameters()).toEqual([NAME, claim]);

    const progress: string[] = [];
    const held = await ssmLock().acquire(particleContext("test-stack", progress), holder("destroy"));
    expect(progress).toEqual([expect.stringMatching(/^took over the lock left by `jiti render` .*: that process is no longer running$/)]);
    expect(JSON.parse((await parameter())!.Value!)).toMatchObject({ command: "destroy" });
    expect(await lockParameters()).toEqual([NAME]);
    await held.release();

    // A claim whose taker still runs is respected: the lock is refused, naming that taker.
    await leftBy(hostname(), deadPid());
    const again = (await ssm.send(new GetParameterCommand({ Name: NAME }))).Parameter!;
    await leftBy(hostname(), process.pid, `${NAME}/takeover/${again.Version}-${again.LastModifiedDate!.getTime()}`);
    expect((await refusal(particleContext())).record).toMatchObject({ host: hostname(), pid: process.pid });
    expect(JSON.parse((await parameter())!.Value!)).toMatchObject({ token: "left" });
  });
});
