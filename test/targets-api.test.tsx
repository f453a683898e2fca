/**
 * forEachTarget, the programmatic --targets: one stack applied from one
 * process to two accounts and two regions (moto keeps accounts apart by
 * the assumed role's account), each target's run its own; one target
 * failing stops none of the others.
 */
import { DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { particles } from "@jiti/aws-particles";
import { apply, forEachTarget, plan, type Target } from "@jiti/reconciler";
import { expect, test } from "vitest";
import { useMoto } from "@jiti/testkit";
import Network from "../examples/multi-account/stack.js";

useMoto();
const role = (account: string) => ({ roleArn: `arn:aws:iam::${account}:role/deploy` });

/** The stack's VPCs in an account and region, and their tags, read as that account. */
async function vpcs(account: string, region: string, stack: string) {
  const { Credentials: c } = await new STSClient({}).send(
    new AssumeRoleCommand({ RoleArn: role(account).roleArn, RoleSessionName: "check" }),
  );
  const ec2 = new EC2Client({
    region,
    credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! },
  });
  const found = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "tag:jiti:stack", Values: [stack] }] }))).Vpcs ?? [];
  ec2.destroy();
  return found.map((v) => Object.fromEntries(v.Tags!.map((t) => [t.Key!, t.Value!]))["cost-centre"] ?? "none");
}

/** The stack for the environments it knows; any other is the caller's own mistake, thrown while rendering. */
function Known({ env }: { env: string }) {
  if (env !== "prod" && env !== "qa") throw new Error(`no environment ${env}`);
  return <Network env={env} />;
}

test("one stack over two accounts and two regions from one process: each target apart, a failing one stopping none", async () => {
  const targets: Target[] = [
    { name: "eu-prod", region: "eu-west-1", assumeRole: role("111111111111"), env: "prod", tags: { "cost-centre": "4711" } },
    { name: "us-prod", region: "us-east-1", assumeRole: role("111111111111"), env: "prod" },
    { name: "us-typo", region: "us-east-1", assumeRole: role("222222222222"), env: "prdo" },
    { name: "us-qa", region: "us-east-1", assumeRole: role("222222222222"), env: "qa" },
  ];
  const outcomes = await forEachTarget(targets, (t, options) => apply(<Known env={t.env!} />, options), {
    base: { particles },
    parallel: 2,
  });
  expect(outcomes.map((o) => [o.target.name, o.ok])).toEqual([
    ["eu-prod", true],
    ["us-prod", true],
    ["us-typo", false],
    ["us-qa", true],
  ]);
  const failed = outcomes[2]!;
  expect(!failed.ok && (failed.error as Error).message).toContain("<Known>: the component threw: no environment prdo");

  // Each copy in its own account and region, with its own target's tags; nothing where no target pointed.
  expect(await vpcs("111111111111", "eu-west-1", "orders-prod")).toEqual(["4711"]);
  expect(await vpcs("111111111111", "us-east-1", "orders-prod")).toEqual(["none"]);
  expect(await vpcs("222222222222", "us-east-1", "orders-qa")).toEqual(["none"]);
  expect(await vpcs("222222222222", "us-east-1", "orders-prod")).toEqual([]);
  expect(await vpcs("222222222222", "eu-west-1", "orders-qa")).toEqual([]);

  // Planned again for every target that applied: nothing to do anywhere.
  const again = await forEachTarget(
    targets.filter((t) => t.name !== "us-typo"),
    async (t, options) => (await plan(<Known env={t.env!} />, options)).plan.summary,
    { base: { particles } },
  );
  for (const o of again) expect(o.ok && o.value).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });
}, 90_000);

test("two targets of one name are refused before any run", async () => {
  const run = () => Promise.resolve(1);
  await expect(
    forEachTarget(
      [
        { name: "a", region: "us-east-1" },
        { name: "a", region: "eu-west-1" },
      ],
      run,
    ),
  ).rejects.toThrow("two targets are named a: each needs a name of its own");
});
