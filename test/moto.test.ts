import { CreateVpcCommand, DescribeVpcsCommand, EC2Client, type Filter } from "@aws-sdk/client-ec2";
import { describe, expect, test } from "vitest";
import { countCalls, startMoto, useMoto } from "@jiti/testkit";

const moto = useMoto();
// Built before useMoto's beforeAll runs: the SDK resolves AWS_ENDPOINT_URL,
// region and credentials when the first command is sent, so a module-level
// client reaches moto too.
const ec2 = new EC2Client({});

const stackFilter = (stack: string): Filter[] => [{ Name: "tag:jiti:stack", Values: [stack] }];

async function createVpc(cidr: string, stack: string) {
  const { Vpc } = await ec2.send(
    new CreateVpcCommand({
      CidrBlock: cidr,
      TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "jiti:stack", Value: stack }] }],
    }),
  );
  return Vpc!;
}

async function vpcsOf(stack: string) {
  return (await ec2.send(new DescribeVpcsCommand({ Filters: stackFilter(stack) }))).Vpcs ?? [];
}

describe("useMoto", () => {
  test("points the SDK at moto through the environment", () => {
    expect(process.env.AWS_ENDPOINT_URL).toBe(moto.endpoint);
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  // The next two tests run in order: the second checks that the VPC the first
  // one created is gone, which only the beforeEach reset can have done.
  let smokeVpcId: string | undefined;

  test("a VPC created with its stack tag is found by DescribeVpcs filtered on that tag", async () => {
    const vpc = await createVpc("10.0.0.0/16", "smoke");
    await createVpc("10.1.0.0/16", "other-stack");
    smokeVpcId = vpc.VpcId;

    const found = await vpcsOf("smoke");

    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ VpcId: vpc.VpcId, CidrBlock: "10.0.0.0/16" });
  });

  test("resets moto before each test", async () => {
    expect(smokeVpcId, "run together with the test before this one").toBeDefined();

    expect(await vpcsOf("smoke")).toHaveLength(0);
    // Only the default VPC, which moto recreates on reset, is left.
    const all = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
    expect(all.map((vpc) => vpc.VpcId)).not.toContain(smokeVpcId);
    expect(all.every((vpc) => vpc.IsDefault)).toBe(true);
  });

  test("reset() empties moto on demand", async () => {
    await createVpc("10.0.0.0/16", "smoke");
    await moto.reset();
    expect(await vpcsOf("smoke")).toHaveLength(0);
  });
});

describe("counting API calls", () => {
  test("moto.calls() lists every request since the last reset, by service and operation", async () => {
    await createVpc("10.0.0.0/16", "smoke");
    await vpcsOf("smoke");
    await vpcsOf("smoke");

    const calls = await moto.calls();

    expect(calls).toEqual([
      { service: "ec2", operation: "CreateVpc", attempt: 1 },
      { service: "ec2", operation: "DescribeVpcs", attempt: 1 },
      { service: "ec2", operation: "DescribeVpcs", attempt: 1 },
    ]);
  });

  test("moto.operations() names the first attempts, from a given call on", async () => {
    await createVpc("10.0.0.0/16", "smoke");
    const mark = (await moto.calls()).length;
    await vpcsOf("smoke");

    expect(await moto.operations()).toEqual(["CreateVpc", "DescribeVpcs"]);
    expect(await moto.operations(mark)).toEqual(["DescribeVpcs"]);
  });

  test("countCalls() counts the commands sent through one client", async () => {
    const client = new EC2Client({});
    const counter = countCalls(client);
    const elsewhere = new EC2Client({});

    await client.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
    await client.send(new DescribeVpcsCommand({}));
    await client.send(new DescribeVpcsCommand({}));
    await elsewhere.send(new DescribeVpcsCommand({}));

    expect(counter.operations).toEqual(["CreateVpc", "DescribeVpcs", "DescribeVpcs"]);
    expect(counter.count("DescribeVpcs")).toBe(2);
    expect(counter.count()).toBe(3);
    expect(counter.inputs("CreateVpc")).toEqual([{ CidrBlock: "10.0.0.0/16" }]);

    counter.detach();
    await client.send(new DescribeVpcsCommand({}));
    expect(counter.count()).toBe(3);
  });
});

describe("startMoto", () => {
  test("fails with a plain message when moto_server cannot be run", async () => {
    await expect(startMoto({ command: "/nonexistent/moto_server" })).rejects.toThrow(
      /^moto_server could not start: `\/nonexistent\/moto_server` was not found\. Install it with `pip install 'moto\[server\]==5\.2\.1'`\.$/,
    );
  });

  test("fails with a plain message when the server exits during start-up", async () => {
    await expect(startMoto({ command: "false" })).rejects.toThrow(
      /^moto_server could not start: `false` exited with code 1\. Install it with/,
    );
  });
});
