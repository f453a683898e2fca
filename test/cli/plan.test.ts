/**
 * `jiti plan` against moto: the plan text for each kind of change, exit
 * codes, --refresh-attrs, --json, and validation that fails before any AWS call.
 */
import { DescribeVpcAttributeCommand, DescribeVpcsCommand, EC2Client, ModifyVpcAttributeCommand } from "@aws-sdk/client-ec2";
import { join } from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import { jiti, jsonLines, mutations, normalise, useJiti, useMoto, type Fixture } from "@jiti/testkit";

const { fixture } = useJiti({ fixtures: join(import.meta.dirname, "fixtures") });
const moto = useMoto();

describe("jiti plan", () => {
  let stack: Fixture;
  beforeEach(async () => {
    stack = await fixture("network");
  });

  /** Applies the fixture as it is, so that edits plan against live resources. */
  const applied = async () => {
    const run = await jiti(stack, ["render", "--yes"]);
    expect(run.code, run.stderr).toBe(0);
  };

  test("shows what would be created, and changes nothing", async () => {
    const run = await jiti(stack, ["plan"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(normalise(run.stdout)).toMatchInlineSnapshot(`
      "jiti will make these changes to stack cli-dev:

        + Vpc:main aws.ec2.Vpc (stack.tsx:7)
            cidr:         "10.0.0.0/16"
            dnsHostnames: true
            dnsSupport:   true
            tags:         {"team":"cli","Name":"cli-dev/main"}

        + Vpc:main/Subnet:a aws.ec2.Subnet (stack.tsx:8)
            cidr:   "10.0.1.0/24"
            public: false
            tags:   {"team":"cli","Name":"cli-dev/main/a"}
            vpc:    (known after apply)
            zone:   "us-east-1a"

        + Vpc:main/Subnet:b aws.ec2.Subnet (stack.tsx:9)
            cidr:   "10.0.2.0/24"
            public: false
            tags:   {"team":"cli","Name":"cli-dev/main/b"}
            vpc:    (known after apply)
            zone:   "us-east-1b"

      Plan: 3 to create, 0 to update, 0 to replace, 0 to delete.
      "
    `);
    expect(mutations(await moto.calls())).toEqual([]);
  });

  test("shows an update as field: from → to", async () => {
    await applied();
    await stack.edit((s) =>
      s.replace(
        '<Vpc name="main" cidr="10.0.0.0/16">',
        '<Vpc name="main" cidr="10.0.0.0/16" dnsHostnames={false} tags={{ tier: "network" }}>',
      ),
    );
    const run = await jiti(stack, ["plan"]);
    expect(normalise(run.stdout)).toMatchInlineSnapshot(`
      "jiti will make these changes to stack cli-dev:

        ~ Vpc:main aws.ec2.Vpc vpc-<id> (stack.tsx:7)
            dnsHostnames: true → false
            tags:
                + tier: "network"

      Plan: 0 to create, 1 to update, 0 to replace, 0 to delete.
      "
    `);
  });

  test("shows a replace with the field that forces it", async () => {
    await applied();
    await stack.edit((s) => s.replace('cidr="10.0.2.0/24"', 'cidr="10.0.3.0/24"'));
    const run = await jiti(stack, ["plan"]);
    expect(normalise(run.stdout)).toMatchInlineSnapshot(`
      "jiti will make these changes to stack cli-dev:

      -/+ Vpc:main/Subnet:b aws.ec2.Subnet subnet-<id> (stack.tsx:9)
            # replaced: deletes the old one first, then creates the new one
            cidr: "10.0.2.0/24" → "10.0.3.0/24"  # forces replacement

      Plan: 0 to create, 0 to update, 1 to replace, 0 to delete.
      "
    `);
  });

  test("shows a delete with its reason", async () => {
    await applied();
    await stack.edit((s) => s.replace(/\s*<Subnet name="b"[^>]*\/>/, ""));
    const run = await jiti(stack, ["plan"]);
    expect(normalise(run.stdout)).toMatchInlineSnapshot(`
      "jiti will make these changes to stack cli-dev:

        - Vpc:main/Subnet:b aws.ec2.Subnet subnet-<id>
            # not in the tree any more

      Plan: 0 to create, 0 to update, 0 to replace, 1 to delete.
      "
    `);
  });

  test("--detailed-exitcode: 2 with changes, 0 without, 1 on an error", async () => {
    expect((await jiti(stack, ["plan", "--detailed-exitcode"])).code).toBe(2);
    await applied();
    const none = await jiti(stack, ["plan", "--detailed-exitcode"]);
    expect(none).toMatchObject({ code: 0, stdout: "No changes. Live AWS matches stack.tsx.\n" });
    await stack.edit((s) => s.replace('cidr="10.0.0.0/16"', 'cidr="10.0.0.0/8"'));
    expect((await jiti(stack, ["plan", "--detailed-exitcode"])).code).toBe(1);
  });

  test("--refresh-attrs: a DNS setting changed outside jiti shows only with it, and render --refresh-attrs sets it back", async () => {
    await applied();
    const ec2 = new EC2Client({});
    const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "tag:jiti:stack", Values: ["cli-dev"] }] }));
    const VpcId = vpcs.Vpcs![0]!.VpcId!;
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId, EnableDnsHostnames: { Value: false } }));
    // A plan compares the DNS settings with what jiti recorded in the VPC's jiti:attrs tag, reading no attribute.
    expect(await jiti(stack, ["plan", "--detailed-exitcode"])).toMatchObject({
      code: 0,
      stdout: "No changes. Live AWS matches stack.tsx.\n",
    });
    const refreshed = await jiti(stack, ["plan", "--refresh-attrs", "--detailed-exitcode"]);
    expect(refreshed.code, refreshed.stderr).toBe(2);
    expect(normalise(refreshed.stdout)).toMatchInlineSnapshot(`
      "jiti will make these changes to stack cli-dev:

        ~ Vpc:main aws.ec2.Vpc vpc-<id> (stack.tsx:7)
            dnsHostnames: false → true

      Plan: 0 to create, 1 to update, 0 to replace, 0 to delete.
      "
    `);
    const render = await jiti(stack, ["render", "--yes", "--refresh-attrs"]);
    expect(render.code, render.stderr).toBe(0);
    const read = await ec2.send(new DescribeVpcAttributeCommand({ VpcId, Attribute: "enableDnsHostnames" }));
    expect(read.EnableDnsHostnames?.Value).toBe(true);
    expect((await jiti(stack, ["plan", "--refresh-attrs", "--detailed-exitcode"])).code).toBe(0);
  });

  test("--endpoint on this machine needs no credentials or region: the emulator gets fake ones", async () => {
    const none = {
      AWS_ENDPOINT_URL: undefined,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_REGION: undefined,
      HOME: stack.dir,
    };
    const run = await jiti(stack, ["plan", "--endpoint", moto.endpoint, "--detailed-exitcode"], { env: none });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toContain('zone:   "us-east-1a"');
  });

  test("--json prints the plan as one JSON line and nothing else", async () => {
    const run = await jiti(stack, ["plan", "--json"]);
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => l.kind)).toEqual(["plan"]);
    const plan = lines[0]!.plan as {
      stack: string;
      summary: Record<string, number>;
      actions: Array<{ action: string; path: string; source?: string }>;
    };
    expect(plan.stack).toBe("cli-dev");
    expect(plan.summary).toEqual({ create: 3, update: 0, replace: 0, delete: 0, noop: 0 });
    expect(plan.actions.map((a) => [a.action, a.path, a.source])).toEqual([
      ["create", "Vpc:main", "stack.tsx:7"],
      ["create", "Vpc:main/Subnet:a", "stack.tsx:8"],
      ["create", "Vpc:main/Subnet:b", "stack.tsx:9"],
    ]);
  });

  test("a stack that fails validation lists every problem and calls no AWS API", async () => {
    await stack.edit((s) => s.replace('cidr="10.0.1.0/24"', 'cidr="10.1.1.0/24"').replace("zone={1}", 'zone="mars-1a"'));
    const run = await jiti(stack, ["plan"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatchInlineSnapshot(`
      "error: the stack has 2 problems; nothing was changed:
        - stack.tsx:8: Vpc:main/Subnet:a (aws.ec2.Subnet): cidr must lie inside the VPC's block 10.0.0.0/16 (Vpc:main) (found: "10.1.1.0/24"). Use a block inside 10.0.0.0/16, such as "10.0.0.0/24".
        - stack.tsx:9: Vpc:main/Subnet:b (aws.ec2.Subnet): zone must be an availability zone name such as "us-east-1a" (found: "mars-1a"). Use a value such as "us-east-1a", or an index such as 0.
      "
    `);
    expect(await moto.calls()).toEqual([]);
  });

  test("--json reports a failure as an error line with every problem", async () => {
    await stack.edit((s) => s.replace('cidr="10.0.1.0/24"', 'cidr="10.1.1.0/24"'));
    const run = await jiti(stack, ["plan", "--json"]);
    expect(run.code).toBe(1);
    const [error] = jsonLines(run.stdout);
    expect(error).toMatchObject({
      kind: "error",
      error: "render",
      problems: [{ path: "Vpc:main/Subnet:a", type: "aws.ec2.Subnet", source: "stack.tsx:8", found: "10.1.1.0/24" }],
    });
  });
});
