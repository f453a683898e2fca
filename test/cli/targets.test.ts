/**
 * `--targets FILE`: one stack planned, applied and destroyed across several
 * account/region targets, each as its own role, env and tags, in parallel;
 * a target that fails stops none of the others, and the run ends with a
 * table and a non-zero exit.
 */
import { DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { join } from "node:path";
import { expect, test } from "vitest";
import { jiti, jsonLines, mutations, useJiti, useMoto } from "@jiti/testkit";

const { fixture } = useJiti({ fixtures: join(import.meta.dirname, "fixtures") });
const moto = useMoto();

const role = (account: string) => `arn:aws:iam::${account}:role/deploy`;
const GOOD = [
  { name: "a-us", region: "us-east-1", role: role("111111111111"), env: "prod", tags: { "cost-centre": "4711" } },
  { name: "a-eu", region: "eu-west-1", role: role("111111111111"), env: "prod" },
  { name: "b-us", region: "us-east-1", role: role("222222222222"), env: "qa" },
];
/** Its env makes a stack name jiti refuses: the one target that fails. */
const BAD = { name: "broken", region: "us-east-1", role: role("333333333333"), env: "not a name!" };

/** The tags of the VPCs stack `stack` owns in an account and region. */
async function vpcTags(account: string, region: string, stack: string) {
  const { Credentials: c } = await new STSClient({}).send(new AssumeRoleCommand({ RoleArn: role(account), RoleSessionName: "check" }));
  const ec2 = new EC2Client({
    region,
    credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! },
  });
  const vpcs = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "tag:jiti:stack", Values: [stack] }] }))).Vpcs ?? [];
  ec2.destroy();
  return vpcs.map((v) => Object.fromEntries((v.Tags ?? []).map((t) => [t.Key!, t.Value!])));
}

test("plan, render and destroy over many targets: each its own role, region, env and tags; a failing one stops none of the others", async () => {
  const stack = await fixture("network");
  await stack.write("targets.json", JSON.stringify({ targets: [...GOOD, BAD] }));
  await stack.write("good.json", JSON.stringify(GOOD));

  const plan = await jiti(stack, ["plan", "--targets", "good.json", "--detailed-exitcode"]);
  expect(plan.code, plan.stderr).toBe(2);
  expect(plan.stdout).toMatch(/^target +region +account +changes +result +time$/m);
  for (const t of GOOD)
    expect(plan.stdout).toMatch(
      new RegExp(`^${t.name} +${t.region} +\\d{12} +3 to create, 0 to update, 0 to replace, 0 to delete +ok +\\d+\\.\\ds$`, "m"),
    );
  expect(mutations(await moto.calls())).toEqual([]);

  const render = await jiti(stack, ["render", "--targets", "targets.json", "--yes", "--parallel", "2"], { timeoutMs: 90_000 });
  expect(render.code).toBe(1);
  expect(render.stderr).toContain("jiti render failed for 1 of 4 targets: broken");
  expect(render.stdout).toMatch(/^broken +us-east-1 +333333333333 +- +failed: stack\.tsx:6: jiti\.Stack: name must be/m);
  expect(render.stdout).toMatch(/^✗ broken: failed: stack\.tsx:6: jiti\.Stack: name must be/m);
  for (const t of GOOD) expect(render.stdout).toMatch(new RegExp(`^✓ ${t.name}: applied: 3 create, 0 update, 0 replace, 0 delete`, "m"));

  // Each where its target put it, with its own env and tags; nothing of the failed one.
  expect(await vpcTags("111111111111", "us-east-1", "cli-prod")).toEqual([expect.objectContaining({ team: "cli", "cost-centre": "4711" })]);
  expect(await vpcTags("111111111111", "eu-west-1", "cli-prod")).toEqual([expect.not.objectContaining({ "cost-centre": "4711" })]);
  expect(await vpcTags("222222222222", "us-east-1", "cli-qa")).toHaveLength(1);
  expect(await vpcTags("222222222222", "us-east-1", "cli-prod")).toEqual([]);

  const json = await jiti(stack, ["plan", "--targets", "good.json", "--json"]);
  const lines = jsonLines(json.stdout);
  expect(lines.filter((l) => l.kind === "target").map((l) => [(l.target as { name: string }).name, l.code])).toEqual(
    expect.arrayContaining([
      ["a-us", 0],
      ["a-eu", 0],
      ["b-us", 0],
    ]),
  );
  expect(lines.find((l) => l.kind === "result")).toMatchObject({ ok: true, targets: 3, failed: [] });

  const destroy = await jiti(stack, ["destroy", "--targets", "good.json", "--yes"], { timeoutMs: 60_000 });
  expect(destroy.code, destroy.stderr).toBe(0);
  for (const t of GOOD) expect(destroy.stdout).toMatch(new RegExp(`^✓ ${t.name}: destroyed`, "m"));
  expect(await vpcTags("111111111111", "us-east-1", "cli-prod")).toEqual([]);
  expect(await vpcTags("111111111111", "eu-west-1", "cli-prod")).toEqual([]);
  expect(await vpcTags("222222222222", "us-east-1", "cli-qa")).toEqual([]);
}, 150_000);

test("a targets file is checked whole before any target runs, and render asks for --yes", async () => {
  const stack = await fixture("network");
  await stack.write(
    "targets.json",
    JSON.stringify({
      targets: [
        { name: "x", region: "mars-1" },
        { name: "x", region: "us-east-1", role: "deploy", colour: "red" },
      ],
    }),
  );
  const bad = await jiti(stack, ["plan", "--targets", "targets.json"]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain("targets.json has 4 problems:");
  expect(bad.stderr).toContain('targets[0].region must be an AWS region such as "eu-west-1" (found: "mars-1")');
  expect(bad.stderr).toContain('targets[1] has an unknown key "colour"');
  expect(bad.stderr).toContain('targets[1].name "x" is used twice');
  expect(bad.stderr).toContain("targets[1].role must be an IAM role's ARN");

  await stack.write("good.json", JSON.stringify(GOOD));
  const unasked = await jiti(stack, ["render", "--targets", "good.json"]);
  expect(unasked.code).toBe(1);
  expect(unasked.stderr).toContain("jiti render --targets changes every target without asking one by one, so it needs --yes");
  const clash = await jiti(stack, ["plan", "--targets", "good.json", "--region", "eu-west-1"]);
  expect(clash.stderr).toContain("--region cannot be given with --targets: each target sets its own");
  const journal = await jiti(stack, ["render", "--targets", "good.json", "--yes", "--journal", "j.json"]);
  expect(journal.stderr).toContain("--journal cannot be given with --targets: every target would write the same file");
  expect((await moto.calls()).map((c) => c.operation)).toEqual([]);
});
