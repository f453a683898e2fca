/**
 * Stacks that expire, against the emulator: `<Stack expires>` tagged on
 * every resource and renewed by each apply without a change in the plan;
 * every stack of an account listed from tags alone; and a sweep that
 * destroys only the expired, unprotected ones, leaving stacks that do not
 * expire, protected ones and resources jiti does not own as they were.
 */
import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { particles, Role, Stack, Subnet, Vpc } from "@jiti/aws-particles";
import { apply, listStacks, plan, planSweep, sweep, type StackSummary } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import { mutations, useMoto } from "@jiti/testkit";

const moto = useMoto();
const options = { particles };
const ec2 = new EC2Client({});
const iam = new IAMClient({ region: "us-east-1" });
const HOUR = 3_600_000;

function stack(name: string, o: { expires?: string; protect?: boolean; team?: string } = {}) {
  return (
    <Stack name={name} tags={{ team: o.team ?? "web" }} {...(o.expires ? { expires: o.expires } : {})}>
      <Role name="app" assumedBy="ec2.amazonaws.com" />
      <Vpc name="main" cidr="10.0.0.0/16" {...(o.protect ? { protect: true } : {})}>
        <Subnet name="a" cidr="10.0.1.0/24" zone={0} />
      </Vpc>
    </Stack>
  );
}

const tagsOf = (tags: { Key?: string; Value?: string }[] | undefined) =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key!, t.Value ?? ""]));

/** The lifetime tags of every resource of the stack, as AWS holds them. */
async function lifetimeTags(name: string) {
  const filter = { Filters: [{ Name: "tag:jiti:stack", Values: [name] }] };
  const vpc = (await ec2.send(new DescribeVpcsCommand(filter))).Vpcs!.map((v) => tagsOf(v.Tags));
  const role = tagsOf((await iam.send(new GetRoleCommand({ RoleName: `${name}.app` }))).Role!.Tags);
  const pick = (t: Record<string, string>) => ({ created: t["jiti:created"], expires: t["jiti:expires"], renewed: t["jiti:renewed"] });
  return [...vpc, role].map(pick);
}

const named = (stacks: readonly StackSummary[], name: string) => stacks.find((s) => s.name === name);

describe("stack lifetimes against the emulator", () => {
  it("tags the expiry on every resource, renews it on each apply with no change planned, and removes it with expires", async () => {
    const before = Date.now();
    await apply(stack("pr-1", { expires: "8h" }), options);
    const first = await lifetimeTags("pr-1");
    for (const tags of first) {
      expect(Date.parse(tags.created!)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(tags.expires!) - before).toBeGreaterThan(8 * HOUR - 5000);
      expect(Date.parse(tags.expires!) - before).toBeLessThan(8 * HOUR + 5000);
    }

    // A second later, the plan shows no change, only the renewal; the apply renews every resource.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const { plan: again } = await plan(stack("pr-1", { expires: "8h" }), options);
    expect(again.summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });
    expect(again.expiry?.renew).toBe(3);
    const from = (await moto.calls()).length;
    await apply(stack("pr-1", { expires: "8h" }), options);
    const renewed = await lifetimeTags("pr-1");
    for (const [i, tags] of renewed.entries()) {
      expect(tags.created).toBe(first[i]!.created);
      expect(Date.parse(tags.expires!)).toBeGreaterThan(Date.parse(first[i]!.expires!));
      expect(tags.renewed).toBeDefined();
    }
    // One tagging call per EC2 kind (the VPC and its subnet), one per IAM role: nothing else changed.
    expect(mutations((await moto.calls()).slice(from)).sort()).toEqual(["CreateTags", "CreateTags", "TagRole"]);

    // Without expires, the stack no longer expires: the tag goes from everything.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await apply(stack("pr-1"), options);
    for (const [i, tags] of (await lifetimeTags("pr-1")).entries()) {
      expect(tags.expires).toBeUndefined();
      // That apply is the stack's last: it says so.
      expect(Date.parse(tags.renewed!)).toBeGreaterThan(Date.parse(renewed[i]!.renewed!));
    }
    expect((await listStacks(options))[0]).not.toHaveProperty("expires");
    const { plan: settled } = await plan(stack("pr-1"), options);
    expect(settled.expiry).toBeUndefined();
  });

  it("lists every stack from tags, and sweeps only the expired unprotected one, and only when asked", async () => {
    await apply(stack("pr-1", { expires: "8h" }), options);
    await apply(stack("pr-2", { expires: "48h", team: "mobile" }), options);
    await apply(stack("keep"), options);
    await apply(stack("guarded", { expires: "1h", protect: true }), options);
    // A VPC jiti does not own, though it carries an expiry tag: never listed, never swept.
    const foreign = await ec2.send(
      new CreateVpcCommand({
        CidrBlock: "10.9.0.0/16",
        TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "jiti:expires", Value: "2000-01-01T00:00:00Z" }] }],
      }),
    );

    const before = (await moto.calls()).length;
    const stacks = await listStacks(options);
    expect(stacks.map((s) => s.name)).toEqual(["guarded", "keep", "pr-1", "pr-2"]);
    // One list call per kind (IAM's account details shared by roles and profiles), however many stacks.
    const listed = (await moto.calls()).slice(before).map((c) => c.operation);
    expect(listed.length).toBe(new Set(listed).size);
    expect(listed).toContain("DescribeVpcs");
    expect(named(stacks, "pr-2")).toMatchObject({ resources: { Role: 1, Subnet: 1, Vpc: 1 }, protected: 0, tags: { team: "mobile" } });
    expect(named(stacks, "guarded")?.protected).toBe(1);
    expect(named(stacks, "keep")?.expires).toBeUndefined();
    expect(Date.parse(named(stacks, "pr-1")!.created!)).toBeLessThanOrEqual(Date.parse(named(stacks, "pr-1")!.lastApplied!));

    // Nine hours on: pr-1 and guarded have expired, pr-2 has not.
    const later = new Date(Date.now() + 9 * HOUR);
    const planned = await planSweep({ ...options, now: later });
    expect(Object.fromEntries(planned.stacks.map((e) => [e.stack.name, e.sweep ? "sweep" : e.reason]))).toEqual({
      guarded: "1 protected resource",
      keep: "does not expire",
      "pr-1": "sweep",
      "pr-2": expect.stringMatching(/^expires in 1d 1[45]h$/),
    });
    expect((await planSweep({ ...options, now: later, match: "feature-*" })).stacks.find((e) => e.stack.name === "pr-1")?.reason).toBe(
      "does not match feature-*",
    );
    expect((await planSweep({ ...options, now: later, olderThan: "7d" })).stacks.find((e) => e.stack.name === "pr-1")?.reason).toMatch(
      /^made 9h( \d+m)? ago, within 7d$/,
    );

    const from = (await moto.calls()).length;
    const result = await sweep({ ...options, now: later });
    expect(result.destroyed.map((d) => d.stack)).toEqual(["pr-1"]);
    expect(result.failed).toEqual([]);
    // Only pr-1's resources were deleted.
    expect(mutations((await moto.calls()).slice(from)).sort()).toEqual(["DeleteRole", "DeleteSubnet", "DeleteVpc"]);
    expect((await listStacks(options)).map((s) => s.name)).toEqual(["guarded", "keep", "pr-2"]);
    const vpcs = await ec2.send(new DescribeVpcsCommand({ VpcIds: [foreign.Vpc!.VpcId!] }));
    expect(vpcs.Vpcs).toHaveLength(1);
  });

  it("refuses an expiry that is neither a duration nor a date, or has passed, before any call", async () => {
    const from = (await moto.calls()).length;
    await expect(plan(stack("pr-3", { expires: "8 hours" }), options)).rejects.toThrow(/expires must be a duration/);
    await expect(plan(stack("pr-3", { expires: "2020-01-01" }), options)).rejects.toThrow(/expires 2020-01-01 has passed/);
    // February has no 30th: no date, though JavaScript's Date would make it March 2nd.
    await expect(plan(stack("pr-3", { expires: "2027-02-30" }), options)).rejects.toThrow(/expires must be a duration/);
    expect((await moto.calls()).slice(from)).toEqual([]);
  });
});
