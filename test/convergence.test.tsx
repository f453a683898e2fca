import { DescribeVpcAttributeCommand, EC2Client, ModifyVpcAttributeCommand } from "@aws-sdk/client-ec2";
import { Ec2, SecurityGroup, Stack, Subnet, Vpc, amazonLinux, particles } from "@jiti/aws-particles";
import { apply, plan, type Action } from "@jiti/reconciler";
import { afterEach, describe, expect, it } from "vitest";
import { useMoto } from "./moto.js";

useMoto();
const changed = (actions: Action[]) => actions.filter((a) => a.action !== "noop").map((a) => `${a.action} ${a.key}${a.strategy ? ` [${a.strategy}]` : ""}`);

const realSend = EC2Client.prototype.send;
afterEach(() => {
  EC2Client.prototype.send = realSend;
});

describe("changes AWS only accepts in a certain order, and runs cut short", () => {
  it("replaces a security group whose name the user fixed by deleting the old one first", async () => {
    const stack = (description: string) => (
      <Stack name="sg">
        <Vpc name="main" cidr="10.0.0.0/16">
          <SecurityGroup name="web" groupName="web" description={description} ingress={[{ port: 80, from: "0.0.0.0/0" }]} />
        </Vpc>
      </Stack>
    );
    await apply(stack("one"), { particles });
    const result = await apply(stack("two"), { particles });
    expect(changed(result.plan.actions)).toEqual(["replace Vpc:main/SecurityGroup:web [delete-first]"]);
    expect(changed((await plan(stack("two"), { particles })).plan.actions)).toEqual([]);
  });

  it("renames a subnet that keeps its CIDR block: the old one goes before the new one comes", async () => {
    const stack = (name: string) => (
      <Stack name="rename">
        <Vpc name="main" cidr="10.0.0.0/16">
          <Subnet name={name} cidr="10.0.1.0/24">
            <Ec2 name="web" image={amazonLinux()} />
          </Subnet>
        </Vpc>
      </Stack>
    );
    await apply(stack("a"), { particles });
    const result = await apply(stack("b"), { particles });
    expect(result.plan.actions.filter((a) => a.action !== "noop").map((a) => `${a.action} ${a.key} (${a.reason})`)).toEqual([
      "create Vpc:main/Subnet:b (replaces Vpc:main/Subnet:a (renamed))",
      "create Vpc:main/Subnet:b/Ec2:web (replaces Vpc:main/Subnet:a/Ec2:web (renamed))",
      "delete Vpc:main/Subnet:a/Ec2:web (renamed to Vpc:main/Subnet:b/Ec2:web: replaced)",
      "delete Vpc:main/Subnet:a (renamed to Vpc:main/Subnet:b: replaced)",
    ]);
    expect(changed((await plan(stack("b"), { particles })).plan.actions)).toEqual([]);
  });

  it("a VPC create cut short before its DNS settings were applied is finished by the next run", async () => {
    const stack = (
      <Stack name="dns">
        <Vpc name="main" cidr="10.0.0.0/16" />
      </Stack>
    );
    // The run dies right after CreateVpc: every ModifyVpcAttribute fails.
    EC2Client.prototype.send = function (this: EC2Client, command: unknown, ...rest: unknown[]) {
      if (command instanceof ModifyVpcAttributeCommand) return Promise.reject(Object.assign(new Error("connection reset"), { name: "RequestTimeout" }));
      return (realSend as (...args: unknown[]) => unknown).call(this, command, ...rest);
    } as typeof realSend;
    await expect(apply(stack, { particles })).rejects.toThrow(/Vpc:main \(aws.ec2.Vpc\): create failed: connection reset/);
    EC2Client.prototype.send = realSend;

    const again = await apply(stack, { particles });
    expect(changed(again.plan.actions)).toEqual(["update Vpc:main"]);
    const hostnames = await new EC2Client({}).send(
      new DescribeVpcAttributeCommand({ VpcId: again.outputs["Vpc:main"]!.id as string, Attribute: "enableDnsHostnames" }),
    );
    expect(hostnames.EnableDnsHostnames?.Value).toBe(true);
    expect(changed((await plan(stack, { particles })).plan.actions)).toEqual([]);
  });
});
