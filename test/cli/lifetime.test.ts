/**
 * `jiti ls`, `jiti stacks` and `jiti sweep` against moto, with expired,
 * unexpired, protected and foreign stacks in one account: only the expired
 * unprotected stack is destroyed, and only with `--yes`; the sweep names
 * the account and region before it acts.
 */
import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { join } from "node:path";
import { expect, test } from "vitest";
import { jiti, mutations, useJiti, useMoto } from "@jiti/testkit";

const { fixture } = useJiti({ fixtures: join(import.meta.dirname, "fixtures") });
const moto = useMoto();

/** A time `ms` from now, as `<Stack expires>` takes a date. */
const inMs = (ms: number) => `${new Date(Date.now() + ms).toISOString().slice(0, 19)}Z`;

test("stacks lists every stack from tags; sweep shows its plan, changes nothing without --yes, and destroys only the expired unprotected stack", async () => {
  const stack = await fixture("expiring");
  // pr-7 and pr-9 expire a few seconds after they are made (a date, each computed just before its render).
  const SOON = "soon";
  const made: [string, Record<string, string>][] = [
    ["pr-7", { STACK_EXPIRES: SOON }],
    ["pr-9", { STACK_EXPIRES: SOON, STACK_PROTECT: "1" }],
    ["pr-8", { STACK_EXPIRES: "48h" }],
    ["main", {}],
  ];
  let soon = "";
  for (const [env, vars] of made) {
    if (vars.STACK_EXPIRES === SOON) soon = inMs(8000);
    const run = await jiti(stack, ["render", "--yes", "--env", env], {
      env: { ...vars, ...(vars.STACK_EXPIRES === SOON ? { STACK_EXPIRES: soon } : {}) },
    });
    expect(run.code, run.stderr).toBe(0);
  }
  // A VPC of no stack, whose tags claim an expiry long past.
  const ec2 = new EC2Client({});
  const foreign = await ec2.send(
    new CreateVpcCommand({
      CidrBlock: "10.9.0.0/16",
      TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "jiti:expires", Value: "2000-01-01T00:00:00Z" }] }],
    }),
  );

  const ls = await jiti(stack, ["ls", "--env", "pr-8"]);
  expect(ls.stdout).toMatch(/2 resources in stack app-pr-8; it expires \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 1d 2[34]h\)\./);

  const listed = await jiti(stack, ["stacks"]);
  expect(listed.code, listed.stderr).toBe(0);
  expect(listed.stdout).toMatch(/^STACK\s+RESOURCES\s+CREATED\s+LAST APPLIED\s+EXPIRES\s+TAGS$/m);
  expect(listed.stdout).toMatch(/^app-main\s+1 Subnet, 1 Vpc\s+\d+s ago\s+\d+s ago\s+never\s+env=main team=web$/m);
  expect(listed.stdout).toContain("4 stacks in account 123456789012, us-east-1.");
  const json = await jiti(stack, ["stacks", "--json"]);
  const [line] = json.stdout.split("\n").filter((l) => l.includes('"stacks"'));
  const stacks = JSON.parse(line!).stacks as { name: string; expires?: string; protected: number }[];
  expect(stacks.map((s) => [s.name, s.expires === undefined ? "never" : "expires", s.protected])).toEqual([
    ["app-main", "never", 0],
    ["app-pr-7", "expires", 0],
    ["app-pr-8", "expires", 0],
    ["app-pr-9", "expires", 1],
  ]);

  // pr-8 stays unexpired throughout: 48 hours from its render.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(soon) - Date.now() + 500)));

  const from = (await moto.calls()).length;
  const dry = await jiti(stack, ["sweep"]);
  expect(dry.code, dry.stderr).toBe(0);
  expect(dry.stdout).toContain("Sweeping account 123456789012, us-east-1 as arn:aws:");
  expect(dry.stdout).toMatch(
    /jiti sweep will destroy 1 stack in account 123456789012, us-east-1:\n\nSTACK\s+RESOURCES\s+WHY\napp-pr-7\s+1 Subnet, 1 Vpc\s+expired \d+s ago/,
  );
  expect(dry.stdout).toMatch(/^app-pr-9\s+1 protected resource$/m);
  expect(dry.stdout).toMatch(/^app-main\s+does not expire$/m);
  expect(dry.stdout).toMatch(/^app-pr-8\s+expires in 1d 2[34]h/m);
  expect(dry.stdout).toContain("Nothing was changed: run jiti sweep --yes to destroy them.");
  expect(mutations((await moto.calls()).slice(from))).toEqual([]);

  // Narrowed by name, it finds nothing; with --yes, it destroys pr-7 alone.
  expect((await jiti(stack, ["sweep", "--match", "feature-*"])).stdout).toMatch(/^app-pr-7\s+does not match feature-\*$/m);
  const swept = await jiti(stack, ["sweep", "--yes"]);
  expect(swept.code, swept.stderr).toBe(0);
  expect(swept.stdout).toContain("destroyed app-pr-7: 2 resources deleted.");
  const after = await jiti(stack, ["stacks", "--json"]);
  const left = JSON.parse(after.stdout.split("\n").find((l) => l.includes('"stacks"'))!).stacks as { name: string }[];
  expect(left.map((s) => s.name)).toEqual(["app-main", "app-pr-8", "app-pr-9"]);
  expect((await ec2.send(new DescribeVpcsCommand({ VpcIds: [foreign.Vpc!.VpcId!] }))).Vpcs).toHaveLength(1);

  for (const given of ["a week", "0m"]) {
    const bad = await jiti(stack, ["sweep", "--older-than", given]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`--older-than must be a duration (found: "${given}")`);
    // Refused before it names where it would act: no AWS call at all.
    expect(bad.stdout).not.toContain("Sweeping");
  }
});
