/**
 * `jiti render` and `jiti destroy` of the web-app example, killed from
 * outside (SIGKILL: no handler runs, the lock is not let go) at 20 seeded
 * moments each, spread over the whole AWS conversation of a run that is not
 * killed. After each kill the re-run converges: nothing duplicated, nothing
 * orphaned, AWS wired as the stack says, nothing left to plan. The per-call
 * interruption test (test/interrupted.test.tsx) fails calls inside one
 * process; this one kills a real process.
 *
 * A moment is "at the Nth AWS call": the run talks to moto through a proxy
 * that holds the call arriving Nth, and is killed while it waits on it. The
 * held call is then let through (the run died waiting for the answer: AWS
 * acted, nobody heard) or dropped (the run died before sending it), a seeded
 * coin each; calls the run had in flight beside it finish either way. N is
 * drawn from a seeded generator (mulberry32), one draw in each twentieth of
 * the calls an uninterrupted run makes (measured first), so the kills cover
 * the run from its first call to its last whatever the seed; a failure names
 * its case, N and the seed. Most kills leave the lock behind, held by a pid
 * that is gone: the re-run takes it over at once and says so.
 *
 * Each case is its own stack (`--env k<case>`, so `web-app-k<case>`) on the
 * one moto: render killed, render again, plan; destroy killed, destroy again
 * (by `--stack`, as a pipeline tearing an environment down would), ls.
 * Several cases run at once to keep the file's wall time down (30 to 80 s on
 * two cores, as busy as the rest of the suite keeps them; 60% of it the CLI's own start-ups).
 */
import { DescribeParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { hostname } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { jiti, jsonLines, startAwsProxy, startJiti, useJiti, useMoto, type AwsProxy, type Fixture } from "@jiti/testkit";
import { expectConverged, expectGone, pool } from "../web-app-state.js";

const { fixture } = useJiti({ fixtures: join(import.meta.dirname, "../../examples") });
const moto = useMoto();

/** Change it to draw other moments. */
const SEED = 0x6a697469;
const KILLS = 20;
/** Cases at once: on two cores, enough to overlap one case's waits with another's work. */
const AT_ONCE = 4;

/** mulberry32: a tiny seeded generator of numbers in [0, 1). */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` moments in 1…calls-1, one drawn in each `count`th of that range, in order. */
function moments(random: () => number, calls: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => 1 + Math.floor(((k + random()) * (calls - 1)) / count));
}

const ssm = new SSMClient({});

/** The lock's parameters of `stack` still in SSM: the lock itself, and any takeover's claim. */
async function lockParameters(stack: string): Promise<string[]> {
  const lock = `/jiti/lock/${stack}`;
  const { Parameters } = await ssm.send(
    new DescribeParametersCommand({ ParameterFilters: [{ Key: "Name", Option: "BeginsWith", Values: [lock] }] }),
  );
  // Not web-app-k10's when looking for web-app-k1's.
  return (Parameters ?? []).map((p) => p.Name!).filter((name) => name === lock || name.startsWith(`${lock}/`));
}

/** Where a run is killed: while its call number `at` (from 0) is held; `sent`, whether that call then reaches AWS. */
interface Kill {
  at: number;
  sent: boolean;
}

/**
 * Runs `jiti …args` through `proxy` and SIGKILLs it while its call number
 * `kill.at` is held, then lets that call through (or drops it unsent) and
 * waits until nothing is in flight: what AWS was sent is done before
 * anything else looks. Resolves with the killed run's pid.
 */
async function killed(stack: Fixture, proxy: AwsProxy, args: string[], kill: Kill, what: string): Promise<number> {
  const n = kill.at;
  proxy.clearCalls();
  const held = proxy.hold((call) => call.index === n);
  const run = startJiti(stack, args, { env: { AWS_ENDPOINT_URL: proxy.endpoint } });
  const reached = await Promise.race([held.arrived.then(() => true), run.done.then(() => false)]);
  if (!reached) {
    held.release();
    const ended = await run.done;
    throw new Error(`${what}: the run ended (${ended.code}) before its call ${n}, making fewer calls than measured\n${ended.stderr}`);
  }
  run.kill("SIGKILL");
  const ended = await run.done;
  // Ended by the signal, not by an exit of its own.
  expect(ended.code, `${what}: killed`).toBeNull();
  if (kill.sent) held.release();
  else held.drop();
  await proxy.idle();
  return run.pid;
}

/**
 * The re-run after a kill: if the killed run's lock is still there, the
 * re-run takes it over at once (this host, a pid that is gone) and says so;
 * if not, it says nothing of the kind.
 */
async function rerun(stack: Fixture, name: string, args: string[], killedPid: number, command: string, what: string) {
  const leftLock = (await lockParameters(name)).length > 0;
  const run = await jiti(stack, args);
  expect(run.code, `${what}: ${run.stderr}`).toBe(0);
  const note = `took over the lock left by \`jiti ${command}\` (pid ${killedPid} on ${hostname()})`;
  if (leftLock) expect(run.stdout, what).toContain(note);
  else expect(run.stdout, what).not.toContain("took over the lock");
  // Let go of, and no claim left behind.
  expect(await lockParameters(name), what).toEqual([]);
  return leftLock;
}

test(`render killed at ${KILLS} moments over an apply, destroy at ${KILLS} over a destroy: each re-run converges, with no duplicate and no orphan`, async () => {
  const stack = await fixture("web-app");

  // The conversation of runs that are not killed: how many calls each makes.
  const measuring = await startAwsProxy(moto.endpoint);
  const measure = async (args: string[]) => {
    measuring.clearCalls();
    const run = await jiti(stack, args, { env: { AWS_ENDPOINT_URL: measuring.endpoint } });
    expect(run.code, run.stderr).toBe(0);
    return measuring.calls.length;
  };
  const applyCalls = await measure(["render", "--yes", "--env", "measure"]);
  const destroyCalls = await measure(["destroy", "--yes", "--stack", "web-app-measure"]);
  await measuring.close();
  // An apply from empty is about 35 calls, a destroy about 30: 20 moments cover each densely.
  expect(applyCalls).toBeGreaterThan(KILLS);
  expect(destroyCalls).toBeGreaterThan(KILLS);

  const random = generator(SEED);
  const renderAt = moments(random, applyCalls, KILLS);
  const destroyAt = moments(random, destroyCalls, KILLS);
  // Spread from the start of the conversation to its end.
  expect(renderAt[0]).toBeLessThanOrEqual(Math.ceil(applyCalls / KILLS));
  expect(renderAt.at(-1)).toBeGreaterThanOrEqual(applyCalls - Math.ceil(applyCalls / KILLS));
  // The held call reached AWS (the run died waiting for the answer) or not (it died before sending it): a coin each.
  const kills = renderAt.map((at, k) => ({
    render: { at, sent: random() < 0.5 },
    destroy: { at: destroyAt[k]!, sent: random() < 0.5 },
  }));
  const told = (kill: Kill, calls: number) => `after ${kill.at} of ${calls} calls, the next ${kill.sent ? "sent" : "unsent"}`;

  let locksTakenOver = 0;
  await pool(
    Array.from({ length: KILLS }, (_, k) => k),
    AT_ONCE,
    async (k) => {
      const env = `k${k}`;
      const name = `web-app-${env}`;
      const proxy = await startAwsProxy(moto.endpoint);
      try {
        const { render: renderKill, destroy: destroyKill } = kills[k]!;
        let what = `case ${k} (seed ${SEED}): render killed ${told(renderKill, applyCalls)}`;
        const render = ["render", "--yes", "--env", env];
        const renderPid = await killed(stack, proxy, render, renderKill, what);
        if (await rerun(stack, name, render, renderPid, "render", what)) locksTakenOver++;
        await expectConverged(name, what);
        const plan = await jiti(stack, ["plan", "--detailed-exitcode", "--env", env]);
        expect(plan.code, `${what}: the plan after the re-run\n${plan.stdout}${plan.stderr}`).toBe(0);

        what = `case ${k} (seed ${SEED}): destroy killed ${told(destroyKill, destroyCalls)}`;
        // By name, as a pipeline tearing down an environment would: stack.tsx is not read.
        const destroy = ["destroy", "--yes", "--stack", name];
        const destroyPid = await killed(stack, proxy, destroy, destroyKill, what);
        if (await rerun(stack, name, destroy, destroyPid, "destroy", what)) locksTakenOver++;
        await expectGone(name, what);
        const ls = await jiti(stack, ["ls", "--json", "--stack", name]);
        expect(ls.code, `${what}: ${ls.stderr}`).toBe(0);
        expect(
          jsonLines(ls.stdout).find((l) => l.kind === "resources"),
          `${what}: jiti ls`,
        ).toEqual({
          kind: "resources",
          stack: name,
          resources: [],
        });
      } finally {
        await proxy.close();
      }
    },
  );
  // Most kills land while the lock is held: the takeover was what made those re-runs possible.
  expect(locksTakenOver).toBeGreaterThan(KILLS);
}, 150_000);
