/**
 * One apply of a stack at a time: two `jiti render`s started together, a
 * destroy while a lock is held, and `jiti unlock` for a lock whose holder is
 * gone. The lock is the stack's SSM parameter, /jiti/lock/<stack>.
 */
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { jiti, jsonLines, startJiti, useJiti, useMoto } from "@jiti/testkit";

const { fixture } = useJiti({ fixtures: join(import.meta.dirname, "fixtures") });
const moto = useMoto();
const LOCK = "/jiti/lock/cli-dev";

async function lockValue(): Promise<string | undefined> {
  try {
    return (await new SSMClient({}).send(new GetParameterCommand({ Name: LOCK }))).Parameter?.Value;
  } catch {
    return undefined;
  }
}

/** A lock left by a run on another machine that is still beating (or was killed a moment ago). */
async function heldElsewhere() {
  const value = JSON.stringify({ token: "other", command: "render", host: "ci-runner-7", pid: 31337, since: "2026-12-02T09:00:00.000Z" });
  await new SSMClient({}).send(new PutParameterCommand({ Name: LOCK, Type: "String", Value: value }));
}

describe("the stack lock", () => {
  test("two renders started together: exactly one applies, the other refuses at once naming the holder; no duplicates", async () => {
    const stack = await fixture("network");
    const [a, b] = await Promise.all([startJiti(stack, ["render", "--yes"]).done, startJiti(stack, ["render", "--yes"]).done]);
    const runs = [a!, b!];
    expect(runs.map((r) => r.code).sort()).toEqual([0, 1]);
    const loser = runs.find((r) => r.code === 1)!;
    expect(loser.stderr).toMatch(/^error: stack cli-dev is locked by `jiti render` \(arn:aws:\S+ on \S+, pid \d+\) since \d{4}-/);
    expect(loser.stderr).toContain("Nothing was read or changed.");
    expect(loser.stderr).toContain("`jiti unlock --stack cli-dev`");
    expect(runs.find((r) => r.code === 0)!.stdout).toContain("Apply complete: 3 created");

    const ec2 = new EC2Client({});
    const owned = [{ Name: "tag:jiti:stack", Values: ["cli-dev"] }];
    expect((await ec2.send(new DescribeVpcsCommand({ Filters: owned }))).Vpcs).toHaveLength(1);
    expect((await ec2.send(new DescribeSubnetsCommand({ Filters: owned }))).Subnets).toHaveLength(2);
    // The winner let go when it finished: the next run takes the lock.
    expect(await lockValue()).toBeUndefined();
    expect((await jiti(stack, ["render", "--yes"])).code).toBe(0);
  });

  test("a destroy while another run holds the lock fails before any AWS change; --json names the holder", async () => {
    const stack = await fixture("network");
    await heldElsewhere();
    const from = (await moto.calls()).length;
    const run = await jiti(stack, ["destroy", "--yes", "--json"]);
    expect(run.code).toBe(1);
    const error = jsonLines(run.stdout).find((l) => l.kind === "error")!;
    expect(error).toMatchObject({ error: "locked", stack: "cli-dev", holder: { command: "render", host: "ci-runner-7", pid: 31337 } });
    const calls = (await moto.calls()).slice(from).map((c) => c.operation);
    expect(calls.filter((op) => !["GetCallerIdentity", "PutParameter", "GetParameter"].includes(op))).toEqual([]);
  });

  test("jiti unlock shows who holds the lock, asks, and releases it; plan never takes it", async () => {
    const stack = await fixture("network");
    await heldElsewhere();
    // A plan changes nothing, and is not stopped by the lock.
    expect((await jiti(stack, ["plan"])).code).toBe(0);

    const refused = await jiti(stack, ["unlock"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("stdin is not a terminal");
    expect(await lockValue()).toBeDefined();

    const released = await jiti(stack, ["unlock", "--yes"]);
    expect(released.code, released.stderr).toBe(0);
    expect(released.stdout).toContain("Stack cli-dev is locked by `jiti render` (ci-runner-7, pid 31337) since 2026-12-02T09:00:00.000Z.");
    expect(released.stdout).toContain("Released the lock of stack cli-dev.");
    expect(await lockValue()).toBeUndefined();
    expect((await jiti(stack, ["unlock", "--yes"])).stdout).toContain("Stack cli-dev is not locked.");
  });
});
