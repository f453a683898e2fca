/**
 * `jiti permissions`: the deploy policy of a stack file as a JSON document on
 * stdout (why its wide statements are wide on stderr), without AWS calls.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { jiti, useJiti, useMoto } from "@jiti/testkit";

const { fixture } = useJiti({ fixtures: join(import.meta.dirname, "fixtures") });
const moto = useMoto();

interface Policy {
  Version: string;
  Statement: Array<{
    Sid: string;
    Effect: string;
    Action: string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string>>;
  }>;
}

describe("jiti permissions", () => {
  test("prints the stack's deploy policy, scoped to its tag and its lock, and says why each wide statement is wide", async () => {
    const stack = await fixture("network");
    const run = await jiti(stack, ["permissions"]);
    expect(run.code, run.stderr).toBe(0);
    const policy = JSON.parse(run.stdout) as Policy;
    expect(policy.Version).toBe("2012-10-17");
    const creates = policy.Statement.find((s) => s.Action.includes("ec2:CreateVpc"))!;
    expect(creates).toMatchObject({
      Effect: "Allow",
      Resource: "arn:aws:ec2:*:*:vpc/*",
      Condition: { StringEquals: { "aws:RequestTag/jiti:stack": "cli-dev" } },
    });
    expect(policy.Statement.find((s) => s.Action.includes("ec2:DeleteVpc"))!.Condition).toEqual({
      StringEquals: { "aws:ResourceTag/jiti:stack": "cli-dev" },
    });
    // The lock, and the claims a takeover of a stale lock makes beside it.
    expect(policy.Statement.find((s) => s.Action.includes("ssm:PutParameter"))!.Resource).toEqual([
      "arn:aws:ssm:*:*:parameter/jiti/lock/cli-dev",
      "arn:aws:ssm:*:*:parameter/jiti/lock/cli-dev/takeover/*",
    ]);
    const wide = policy.Statement.find((s) => s.Resource === "*")!;
    expect(run.stderr).toContain(`${wide.Sid}: EC2's Describe actions take no resource`);
    expect(await moto.calls()).toEqual([]);
  });

  test("--plan-only: only the reads a plan makes", async () => {
    const stack = await fixture("network");
    const run = await jiti(stack, ["permissions", "--plan-only"]);
    expect(run.code, run.stderr).toBe(0);
    const actions = (JSON.parse(run.stdout) as Policy).Statement.flatMap((s) => s.Action);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => !/^[a-z0-9]+:(Describe|List|Get)/.test(a))).toEqual([]);
  });
});
