/**
 * The lifecycle examples against the emulator: each applied, planned again
 * to no change, and destroyed, with snapshots of its plan. Their trees'
 * snapshots are beside them (examples/<name>/stack.test.tsx).
 *
 * - environments: dev, QA and prod from one file, side by side in one
 *   account, none touching another;
 * - shared-network: a stack in a VPC another team owns, which its destroy
 *   leaves as it was;
 * - preview: the workflow's jiti commands for a pull request, its expiry
 *   renewed on each push, and the scheduled sweep, which removes only the
 *   previews whose time is up.
 */
import { CreateSubnetCommand, CreateVpcCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { particles } from "@jiti/aws-particles";
import { apply, destroy, listStacks, plan, type Plan } from "@jiti/reconciler";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jiti, mutations, useJiti, useMoto } from "@jiti/testkit";
import Shop from "../examples/environments/stack.js";
import Reports from "../examples/shared-network/stack.js";
import Preview from "../examples/preview/stack.js";
import { sweepPreviews } from "../examples/preview/sweep.js";

useJiti();
const moto = useMoto();
const ROOT = join(import.meta.dirname, "..");
const options = { particles };
const ec2 = new EC2Client({});

/** A plan as a snapshot holds it: each action's verb, path and type (ids and tokens vary run to run). */
const shape = (p: Plan) => ({ summary: p.summary, actions: p.actions.map((a) => `${a.action} ${a.path} (${a.type})`) });

/** What the stack owns in AWS, by kind, read by its tags as a person would. */
async function ownedCounts(stack: string) {
  return (await listStacks(options)).find((s) => s.name === stack)?.resources ?? {};
}

describe("examples/environments", () => {
  it("dev, QA and prod from one file: applied side by side in one account, each planned to no change and destroyed alone", async () => {
    const envs = ["dev", "qa", "prod"] as const;
    for (const env of envs) {
      const { plan: planned } = await plan(<Shop env={env} />, options);
      expect(shape(planned)).toMatchSnapshot(`plan ${env}`);
      await apply(<Shop env={env} />, options);
    }
    expect(await ownedCounts("shop-prod")).toEqual({ Ec2: 3, InternetGateway: 1, RouteTable: 1, SecurityGroup: 1, Subnet: 3, Vpc: 1 });
    expect(await ownedCounts("shop-dev")).toEqual({ Ec2: 1, InternetGateway: 1, RouteTable: 1, SecurityGroup: 1, Subnet: 1, Vpc: 1 });
    for (const env of envs)
      expect((await plan(<Shop env={env} />, options)).plan.summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });

    await destroy("shop-dev", options);
    expect((await listStacks(options)).map((s) => s.name)).toEqual(["shop-prod", "shop-qa"]);
    // Prod and QA were not touched by dev's destroy: still nothing to do.
    for (const env of ["qa", "prod"] as const) expect((await plan(<Shop env={env} />, options)).plan.summary.noop).toBeGreaterThan(0);
    expect((await plan(<Shop env="prod" />, options)).plan.summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });
    await destroy("shop-qa", options);
    await destroy("shop-prod", options);
    expect(await listStacks(options)).toEqual([]);
  }, 120_000);

  it("refuses an environment it does not know, naming the ones it does", () => {
    expect(() => Shop({ env: "staging" })).toThrow('no environment "staging": use one of dev, qa, prod');
  });
});

describe("examples/shared-network", () => {
  it("owns only what it adds to another team's network, and its destroy leaves that network as it was", async () => {
    const tag = (Key: string, Value: string) => ({ Key, Value });
    const vpc = await ec2.send(
      new CreateVpcCommand({
        CidrBlock: "10.50.0.0/16",
        TagSpecifications: [{ ResourceType: "vpc", Tags: [tag("platform:network", "nonprod")] }],
      }),
    );
    const VpcId = vpc.Vpc!.VpcId!;
    const subnet = await ec2.send(
      new CreateSubnetCommand({
        VpcId,
        CidrBlock: "10.50.1.0/24",
        TagSpecifications: [
          {
            ResourceType: "subnet",
            Tags: [tag("platform:network", "nonprod"), tag("platform:tier", "private"), tag("platform:zone", "0")],
          },
        ],
      }),
    );
    const shared = async () => ({
      vpc: (await ec2.send(new DescribeVpcsCommand({ VpcIds: [VpcId] }))).Vpcs!.map((v) => v.Tags),
      subnet: (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnet.Subnet!.SubnetId!] }))).Subnets!.map((s) => s.Tags),
    });
    const before = await shared();

    const { plan: planned } = await plan(<Reports env="dev" />, options);
    expect(shape(planned)).toMatchSnapshot("plan dev");
    await apply(<Reports env="dev" />, options);
    expect(await ownedCounts("reports-dev")).toEqual({ Ec2: 1, SecurityGroup: 1, Subnet: 1 });
    expect((await plan(<Reports env="dev" />, options)).plan.summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });

    // By id instead of by tags: the same VPC, so the same plan.
    process.env.SHARED_VPC_ID = VpcId;
    try {
      expect((await plan(<Reports env="dev" />, options)).plan.summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });
    } finally {
      delete process.env.SHARED_VPC_ID;
    }

    const from = (await moto.calls()).length;
    await destroy("reports-dev", options);
    expect(mutations((await moto.calls()).slice(from)).sort()).toEqual(["DeleteSecurityGroup", "DeleteSubnet", "TerminateInstances"]);
    expect(await shared()).toEqual(before);
  }, 60_000);
});

describe("examples/preview", () => {
  const workflow = readFileSync(join(ROOT, "examples/preview/preview.yml"), "utf8");
  const commands = [...workflow.matchAll(/^\s+- run: npx jiti (.+)$/gm)].map((m) => m[1]!);
  const forPr = (command: string, pr: number) => command.replace("${{ github.event.number }}", String(pr)).split(" ");

  it("a push renders the pull request's preview and the next renews it with no change; closing it destroys it", async () => {
    expect(commands.map((c) => c.split(" ")[0])).toEqual(["render", "destroy"]);
    const [render, teardown] = commands as [string, string];
    const first = await jiti(ROOT, forPr(render, 123));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("Apply complete: 6 created");
    expect(first.stdout).toMatch(/Expires: .* \(in (2d|1d 23h[^)]*)\)\./);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    const push = await jiti(ROOT, forPr(render, 123));
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toContain("No changes.");
    expect(push.stdout).toMatch(/Expires: .*; the apply renews it on 6 resources\./);

    const ls = await jiti(ROOT, ["ls", "examples/preview/stack.tsx", "--env", "pr-123"]);
    expect(ls.stdout).toMatch(/6 resources in stack preview-pr-123; it expires .* \(in (2d|1d 23h[^)]*)\)\./);

    const close = await jiti(ROOT, forPr(teardown, 123));
    expect(close.code, close.stderr).toBe(0);
    expect(close.stdout).toContain("Destroy complete: 6 deleted");
  }, 90_000);

  it("the scheduled sweep destroys only the previews whose 48 hours have passed", async () => {
    const { plan: planned } = await plan(<Preview env="pr-1" />, options);
    expect(shape(planned)).toMatchSnapshot("plan pr-1");
    await apply(<Preview env="pr-1" />, options);
    await apply(<Preview env="pr-2" />, options);
    await apply(<Shop env="dev" />, options);

    const log: string[] = [];
    const original = console.log;
    console.log = (line: string) => void log.push(line);
    try {
      // Not yet: nothing goes.
      expect((await sweepPreviews()).destroyed).toEqual([]);
      // Three days on, both previews have expired; the shop's dev stack does not match and never expires.
      const later = await sweepPreviews({ now: new Date(Date.now() + 72 * 3_600_000) });
      expect(later.destroyed.map((d) => d.stack).sort()).toEqual(["preview-pr-1", "preview-pr-2"]);
    } finally {
      console.log = original;
    }
    expect(log[0]).toMatch(/^Sweeping previews in account 123456789012, us-east-1, as arn:aws:/);
    expect(log).toContain("keep   shop-dev: does not match preview-pr-*");
    expect((await listStacks(options)).map((s) => s.name)).toEqual(["shop-dev"]);
  }, 90_000);
});
