/**
 * examples/multi-account/deploy.yml, the GitHub Actions workflow that fans
 * one stack out over accounts and regions: every `npx jiti` command of its
 * steps, run for every target of its matrix against the emulator (moto
 * keeps accounts apart by the role assumed), lands each copy in its own
 * account and region, and a second run of the workflow changes nothing.
 */
import { DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { jiti, useJiti, useMoto } from "@jiti/testkit";

useJiti();
useMoto();

const ROOT = join(import.meta.dirname, "..");
const workflow = readFileSync(join(ROOT, "examples/multi-account/deploy.yml"), "utf8");

/** The matrix's targets, as the workflow writes them (one flow mapping a line). */
const targets = [...workflow.matchAll(/^\s+- \{ name: ([\w-]+), account: "(\d{12})", region: ([\w-]+), env: (\w+) \}$/gm)].map((m) => ({
  name: m[1]!,
  account: m[2]!,
  region: m[3]!,
  env: m[4]!,
}));
/** The jiti commands of its steps, with `${{ matrix.x }}` still in them. */
const commands = [...workflow.matchAll(/^\s+- run: npx jiti (.+)$/gm)].map((m) => m[1]!);

/** A step's command for a target: the expressions GitHub would fill in. */
const forTarget = (command: string, target: Record<string, string>) =>
  command.replace(/\$\{\{ matrix\.(\w+) \}\}/g, (_, key: string) => target[key]!).split(" ");

async function vpcs(account: string, region: string, stack: string): Promise<number> {
  const { Credentials: c } = await new STSClient({}).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/deploy`, RoleSessionName: "check" }),
  );
  const ec2 = new EC2Client({
    region,
    credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! },
  });
  const found = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "tag:jiti:stack", Values: [stack] }] }))).Vpcs ?? [];
  ec2.destroy();
  return found.length;
}

test("every jiti step of the workflow, for every target of its matrix, puts the stack in that target's account and region", async () => {
  expect(targets.map((t) => t.name)).toEqual(["eu-prod", "us-prod", "us-qa"]);
  expect(commands).toHaveLength(2);
  for (const target of targets) {
    for (const command of commands) {
      const run = await jiti(ROOT, forTarget(command, target));
      expect(run.code, `${target.name}: jiti ${command}\n${run.stderr}`).toBe(0);
    }
  }
  expect(await vpcs("111111111111", "eu-west-1", "orders-prod")).toBe(1);
  expect(await vpcs("111111111111", "us-east-1", "orders-prod")).toBe(1);
  expect(await vpcs("222222222222", "us-east-1", "orders-qa")).toBe(1);
  expect(await vpcs("222222222222", "us-east-1", "orders-prod")).toBe(0);
  // The next push: every target already matches.
  for (const target of targets) {
    const plan = await jiti(ROOT, [...forTarget(commands[0]!, target), "--detailed-exitcode"]);
    expect(plan.code, plan.stdout).toBe(0);
  }
}, 120_000);
