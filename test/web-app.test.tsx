import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { particles } from "@jiti/aws-particles";
import { apply, destroy, plan, type ApplyEvent } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import WebApp from "../examples/web-app/stack.js";
import { useMoto } from "@jiti/testkit";

const moto = useMoto();
const options = { particles, sourceRoot: "examples/web-app" };
const READ = /^(Describe|List|Get)/;

describe("examples/web-app against the emulator", () => {
  it("applies, re-plans to zero changes with no mutating call, and destroys to nothing; foreign resources survive", async () => {
    const first = await apply(<WebApp env="dev" />, options);
    expect(first.plan.summary).toEqual({ create: 8, update: 0, replace: 0, delete: 0, noop: 0 });
    const vpcId = first.outputs["Vpc:main"]!.id as string;

    // What AWS now holds, read with the raw SDK.
    const ec2 = new EC2Client({});
    const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "tag:jiti:stack", Values: ["web-app-dev"] }] }));
    expect(vpcs.Vpcs?.map((v) => v.CidrBlock)).toEqual(["10.0.0.0/16"]);
    expect(first.outputs["Vpc:main/Subnet:public-a/Ec2:web"]).toMatchObject({ id: expect.stringMatching(/^i-/) });

    // Another stack's subnet and an untagged group, in the stack's own VPC.
    const foreignSubnet = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: "10.0.200.0/24",
        TagSpecifications: [
          {
            ResourceType: "subnet",
            Tags: [
              { Key: "jiti:stack", Value: "other" },
              { Key: "jiti:path", Value: "Vpc:main/Subnet:public-a" },
            ],
          },
        ],
      }),
    );
    const untagged = await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: "hand-made", Description: "made by hand" }));

    const before = (await moto.calls()).length;
    const again = await apply(<WebApp env="dev" />, options);
    expect(again.plan.actions.filter((a) => a.action !== "noop")).toEqual([]);
    const calls = (await moto.calls()).slice(before);
    expect(calls.filter((c) => !READ.test(c.operation))).toEqual([]);

    const events: ApplyEvent[] = [];
    // The foreign pieces lived through apply and re-apply untouched. AWS (and moto) refuse to
    // delete a VPC that still holds them, so their owner removes them before the stack goes.
    expect((await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [foreignSubnet.Subnet!.SubnetId!] }))).Subnets).toHaveLength(1);
    expect((await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [untagged.GroupId!] }))).SecurityGroups).toHaveLength(1);
    await ec2.send(new DeleteSubnetCommand({ SubnetId: foreignSubnet.Subnet!.SubnetId! }));
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: untagged.GroupId! }));

    await destroy("web-app-dev", { ...options, onEvent: (e) => events.push(e) });
    const order = events.filter((e) => e.event === "done").map((e) => e.path);
    // Children and referrers go first: AWS refuses to delete a group or subnet an instance still uses.
    const at = (p: string) => order.indexOf(p);
    expect(at("Vpc:main/Subnet:public-a/Ec2:web")).toBeLessThan(at("Vpc:main/SecurityGroup:web"));
    expect(at("Vpc:main/Subnet:public-a/Ec2:web")).toBeLessThan(at("Vpc:main/Subnet:public-a"));
    expect(at("Vpc:main/Subnet:public-a/Ec2:web")).toBeLessThan(at("Role:app/InstanceProfile:app"));
    expect(at("Vpc:main/RouteTable:public")).toBeLessThan(at("Vpc:main/InternetGateway:gw"));
    expect(at("Vpc:main/Subnet:public-a")).toBeLessThan(at("Vpc:main"));
    expect(at("Role:app/InstanceProfile:app")).toBeLessThan(at("Role:app"));

    const left = await plan(<WebApp env="dev" />, options);
    expect(left.snapshot.owned).toEqual([]);
  }, 60_000);
});
