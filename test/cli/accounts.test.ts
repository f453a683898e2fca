/**
 * One stack drop-shipped into several accounts and regions from one
 * identity: `--assume-role` makes every call as the target account's role,
 * assumed through STS. moto keeps accounts apart by the account id of the
 * role the credentials were assumed from, as AWS does by the credentials
 * themselves; regions are apart in both. Each copy sees only itself, and
 * destroying one leaves the others as they were.
 */
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { join } from "node:path";
import { expect, test } from "vitest";
import { jiti, mutations, startAwsProxy, useJiti, useMoto } from "@jiti/testkit";

const { fixture } = useJiti({ fixtures: join(import.meta.dirname, "fixtures") });
const moto = useMoto();

const A = "111111111111";
const B = "222222222222";
const role = (account: string) => `arn:aws:iam::${account}:role/deploy`;
/** The account moto answers for without an assumed role: the central identity's own. */
const CENTRAL = "123456789012";

/** What the stack owns in an account and region, read as that account (its role assumed, as a person checking by hand would). */
async function owned(account: string, region: string) {
  const credentials =
    account === CENTRAL
      ? undefined
      : (await new STSClient({}).send(new AssumeRoleCommand({ RoleArn: role(account), RoleSessionName: "check" }))).Credentials!;
  const ec2 = new EC2Client({
    region,
    ...(credentials
      ? {
          credentials: {
            accessKeyId: credentials.AccessKeyId!,
            secretAccessKey: credentials.SecretAccessKey!,
            sessionToken: credentials.SessionToken!,
          },
        }
      : {}),
  });
  const filter = [{ Name: "tag:jiti:stack", Values: ["cli-dev"] }];
  const vpcs = (await ec2.send(new DescribeVpcsCommand({ Filters: filter }))).Vpcs ?? [];
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: filter }))).Subnets ?? [];
  ec2.destroy();
  return { vpcs: vpcs.length, subnets: subnets.length };
}

test("the same stack in two accounts and two regions: each copy apart from the others, and destroyed alone", async () => {
  const stack = await fixture("network");
  // moto's own sanity: an assumed role's credentials are its account's.
  const identity = await new STSClient({}).send(new AssumeRoleCommand({ RoleArn: role(A), RoleSessionName: "check" }));
  expect(identity.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${A}:assumed-role/deploy/check`);

  const targets = [
    [A, "us-east-1"],
    [A, "eu-west-1"],
    [B, "us-east-1"],
  ] as const;
  for (const [account, region] of targets) {
    const run = await jiti(stack, ["render", "--yes", "--assume-role", role(account), "--region", region]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Apply complete: 3 created");
  }
  for (const [account, region] of targets) expect(await owned(account, region)).toEqual({ vpcs: 1, subnets: 2 });
  // Nothing in the central account, nor in a region no target named.
  expect(await owned(CENTRAL, "us-east-1")).toEqual({ vpcs: 0, subnets: 0 });
  expect(await owned(B, "eu-west-1")).toEqual({ vpcs: 0, subnets: 0 });

  // Each copy plans against itself: no change anywhere.
  for (const [account, region] of targets) {
    const plan = await jiti(stack, ["plan", "--detailed-exitcode", "--assume-role", role(account), "--region", region]);
    expect(plan.code, plan.stdout).toBe(0);
  }

  const destroy = await jiti(stack, ["destroy", "--yes", "--assume-role", role(B), "--region", "us-east-1"]);
  expect(destroy.code, destroy.stderr).toBe(0);
  expect(destroy.stdout).toContain("Destroy complete: 3 deleted");
  expect(await owned(B, "us-east-1")).toEqual({ vpcs: 0, subnets: 0 });
  expect(await owned(A, "us-east-1")).toEqual({ vpcs: 1, subnets: 2 });
  expect(await owned(A, "eu-west-1")).toEqual({ vpcs: 1, subnets: 2 });
}, 90_000);

test("the role is assumed once per run, with a session name that says jiti and which stack, and the external id", async () => {
  const stack = await fixture("network");
  const proxy = await startAwsProxy(moto.endpoint);
  try {
    const run = await jiti(stack, ["plan", "--assume-role", role(A), "--external-id", "ops-7"], {
      env: { AWS_ENDPOINT_URL: proxy.endpoint },
    });
    expect(run.code, run.stderr).toBe(0);
    const assumed = proxy.calls.filter((c) => c.operation === "AssumeRole");
    expect(assumed).toHaveLength(1);
    const params = new URLSearchParams(assumed[0]!.request);
    expect(params.get("RoleArn")).toBe(role(A));
    expect(params.get("RoleSessionName")).toBe("jiti-cli-dev");
    expect(params.get("ExternalId")).toBe("ops-7");
    // Every other call went as the role: moto answered in A, where nothing is yet.
    expect(run.stdout).toContain("Plan: 3 to create");
  } finally {
    await proxy.close();
  }
});

test("a role that is not an ARN, or an external id without a role, is an error before any AWS call", async () => {
  const stack = await fixture("network");
  const bad = await jiti(stack, ["plan", "--assume-role", "deploy"]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain("--assume-role must be an IAM role's ARN (found: deploy)");
  expect(bad.stderr).toContain("arn:aws:iam::123456789012:role/deploy");
  const orphan = await jiti(stack, ["plan", "--external-id", "x"]);
  expect(orphan.code).toBe(1);
  expect(orphan.stderr).toContain("--external-id is for the role of --assume-role");
  expect(mutations(await moto.calls())).toEqual([]);
  expect((await moto.calls()).map((c) => c.operation)).not.toContain("AssumeRole");
  // The central identity is untouched by all this.
  const me = await new STSClient({}).send(new GetCallerIdentityCommand({}));
  expect(me.Account).toBe(CENTRAL);
});
