import {
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcAttributeCommand,
  EC2Client,
  ModifyVpcAttributeCommand,
} from "@aws-sdk/client-ec2";
import {
  Ec2,
  InstanceProfile,
  InternetGateway,
  Role,
  RouteTable,
  SecurityGroup,
  Stack,
  Subnet,
  Vpc,
  amazonLinux,
  particles,
} from "@jiti/aws-particles";
import { ref } from "@jiti/jsx-runtime";
import { apply, destroy, plan, type Action } from "@jiti/reconciler";
import { afterEach, describe, expect, it } from "vitest";
import { useMoto } from "@jiti/testkit";

const moto = useMoto();
const changed = (actions: Action[]) =>
  actions.filter((a) => a.action !== "noop").map((a) => `${a.action} ${a.key}${a.strategy ? ` [${a.strategy}]` : ""}`);

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
      "create Vpc:main/Subnet:b (replaces Vpc:main/Subnet:a (renamed; it keeps cidr, so the old one is deleted first))",
      "create Vpc:main/Subnet:b/Ec2:web (replaces Vpc:main/Subnet:a/Ec2:web (renamed; the old one is deleted first))",
      "delete Vpc:main/Subnet:a/Ec2:web (renamed to Vpc:main/Subnet:b/Ec2:web: replaced)",
      "delete Vpc:main/Subnet:a (renamed to Vpc:main/Subnet:b: replaced)",
    ]);
    expect(changed((await plan(stack("b"), { particles })).plan.actions)).toEqual([]);
  });

  it("renames a subnet a route table lists, and a role whose profile an instance uses", async () => {
    const stack = (subnet: string, role: string) => {
      const gw = ref(InternetGateway);
      const sub = ref(Subnet);
      const profile = ref(InstanceProfile);
      return (
        <Stack name="renames">
          <Role name={role} assumedBy="ec2.amazonaws.com">
            <InstanceProfile name="app" ref={profile} />
          </Role>
          <Vpc name="main" cidr="10.0.0.0/16">
            <InternetGateway name="gw" ref={gw} />
            <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway: gw }]} subnets={[sub]} />
            <Subnet name={subnet} ref={sub} cidr="10.0.1.0/24" />
            <Subnet name="b" cidr="10.0.2.0/24">
              <Ec2 name="web" image={amazonLinux()} profile={profile} />
            </Subnet>
          </Vpc>
        </Stack>
      );
    };
    await apply(stack("public-a", "app"), { particles });
    const result = await apply(stack("public-b", "app2"), { particles });
    expect(changed(result.plan.actions).sort()).toEqual([
      "create Role:app2",
      "create Role:app2/InstanceProfile:app",
      "create Vpc:main/Subnet:public-b",
      "delete Role:app",
      "delete Role:app/InstanceProfile:app",
      "delete Vpc:main/Subnet:public-a",
      "update Vpc:main/RouteTable:public",
      "update Vpc:main/Subnet:b/Ec2:web",
    ]);
    const again = (await plan(stack("public-b", "app2"), { particles })).plan.actions.filter((a) => a.action !== "noop");
    // moto gap: after ReplaceIamInstanceProfileAssociation, DescribeInstances still reports the old
    // profile (AWS reports the new one), so moto alone shows the instance's profile as still to change.
    expect(again.map((a) => `${a.action} ${a.key} ${a.changes.map((c) => c.field).join(",")}`)).toEqual([
      "update Vpc:main/Subnet:b/Ec2:web profile",
    ]);
    const associations = await new EC2Client({}).send(
      new DescribeIamInstanceProfileAssociationsCommand({
        Filters: [{ Name: "instance-id", Values: [result.outputs["Vpc:main/Subnet:b/Ec2:web"]!.id as string] }],
      }),
    );
    expect(associations.IamInstanceProfileAssociations?.map((a) => a.IamInstanceProfile?.Arn?.split("/").pop())).toEqual([
      result.outputs["Role:app2/InstanceProfile:app"]!.name,
    ]);
  });

  it("moves a subnet between route tables in one apply, also when its old table goes away", async () => {
    // mode 1: x lists the subnet; 2: y lists it; 3: x removed, y lists it... back to x in 4.
    const stack = (mode: 1 | 2 | 3) => {
      const a = ref(Subnet);
      return (
        <Stack name="tables">
          <Vpc name="main" cidr="10.0.0.0/16">
            <Subnet name="a" ref={a} cidr="10.0.1.0/24" />
            {mode !== 3 && <RouteTable name="x" subnets={mode === 1 ? [a] : []} />}
            <RouteTable name="y" subnets={mode === 1 ? [] : [a]} />
          </Vpc>
        </Stack>
      );
    };
    const holder = async (subnet: string) => {
      const out = await new EC2Client({}).send(
        new DescribeRouteTablesCommand({ Filters: [{ Name: "association.subnet-id", Values: [subnet] }] }),
      );
      return (out.RouteTables ?? []).map((t) => t.RouteTableId);
    };
    const first = await apply(stack(1), { particles });
    const subnet = first.outputs["Vpc:main/Subnet:a"]!.id as string;
    expect(await holder(subnet)).toEqual([first.outputs["Vpc:main/RouteTable:x"]!.id]);
    for (const mode of [2, 1, 3] as const) {
      const result = await apply(stack(mode), { particles });
      expect(changed((await plan(stack(mode), { particles })).plan.actions), `after mode ${mode}`).toEqual([]);
      expect(await holder(subnet)).toEqual([result.outputs[mode === 1 ? "Vpc:main/RouteTable:x" : "Vpc:main/RouteTable:y"]!.id]);
    }
  });

  it("renames the internet gateway a route points at: a VPC takes one, so the old one goes first", async () => {
    const stack = (name: string) => {
      const gw = ref(InternetGateway);
      return (
        <Stack name="gateway">
          <Vpc name="main" cidr="10.0.0.0/16">
            <InternetGateway name={name} ref={gw} />
            <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway: gw }]} />
          </Vpc>
        </Stack>
      );
    };
    await apply(stack("gw"), { particles });
    const result = await apply(stack("gateway"), { particles });
    expect(result.plan.actions.filter((a) => a.action !== "noop").map((a) => `${a.action} ${a.key} (${a.reason ?? ""})`)).toEqual([
      "create Vpc:main/InternetGateway:gateway (replaces Vpc:main/InternetGateway:gw (renamed; it keeps vpc, so the old one is deleted first))",
      "update Vpc:main/RouteTable:public ()",
      "delete Vpc:main/InternetGateway:gw (renamed to Vpc:main/InternetGateway:gateway: replaced)",
    ]);
    expect(changed((await plan(stack("gateway"), { particles })).plan.actions)).toEqual([]);
  });

  it("a zone name of another region fails before any change", async () => {
    const stack = (
      <Stack name="zones">
        <Vpc name="main" cidr="10.0.0.0/16">
          <Subnet name="a" cidr="10.0.1.0/24" zone="eu-west-1a" />
        </Vpc>
      </Stack>
    );
    const before = (await moto.calls()).length;
    await expect(apply(stack, { particles })).rejects.toThrow(
      /Vpc:main\/Subnet:a \(aws\.ec2\.Subnet\): a lookup failed: zone "eu-west-1a" is not an availability zone of region us-east-1/,
    );
    expect((await moto.calls()).slice(before).filter((c) => !/^(Describe|List|Get)/.test(c.operation))).toEqual([]);
  });

  it("a VPC create cut short before its DNS settings were applied is finished by the next run", async () => {
    const stack = (
      <Stack name="dns">
        <Vpc name="main" cidr="10.0.0.0/16" />
      </Stack>
    );
    // The run dies right after CreateVpc: every ModifyVpcAttribute fails.
    EC2Client.prototype.send = function (this: EC2Client, command: unknown, ...rest: unknown[]) {
      if (command instanceof ModifyVpcAttributeCommand)
        return Promise.reject(Object.assign(new Error("connection reset"), { name: "RequestTimeout" }));
      return (realSend as (...args: unknown[]) => unknown).call(this, command, ...rest);
    } as typeof realSend;
    await expect(apply(stack, { particles })).rejects.toThrow(/Vpc:main \(aws.ec2.Vpc\): configure failed: connection reset/);
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

describe("security groups that name each other", () => {
  it("are created, then completed with their rules; re-plan is empty; destroy leaves nothing", async () => {
    const stack = (extra: boolean) => {
      const web = ref(SecurityGroup);
      const db = ref(SecurityGroup);
      return (
        <Stack name="mutual">
          <Vpc name="main" cidr="10.0.0.0/16">
            <SecurityGroup name="web" ref={web} ingress={[{ port: 443, from: "0.0.0.0/0" }]} egress={[{ port: 5432, to: db }]} />
            <SecurityGroup
              name="db"
              ref={db}
              ingress={[{ port: 5432, from: web }, ...(extra ? [{ protocol: "all" as const, from: db }] : [])]}
              egress={[]}
            />
          </Vpc>
        </Stack>
      );
    };
    const first = await apply(stack(false), { particles });
    const ids = {
      web: first.outputs["Vpc:main/SecurityGroup:web"]!.id as string,
      db: first.outputs["Vpc:main/SecurityGroup:db"]!.id as string,
    };
    const groups = await new EC2Client({}).send(new DescribeSecurityGroupsCommand({ GroupIds: [ids.web, ids.db] }));
    const byId = new Map(groups.SecurityGroups!.map((g) => [g.GroupId, g]));
    expect(byId.get(ids.db)!.IpPermissions!.flatMap((p) => p.UserIdGroupPairs!.map((u) => u.GroupId))).toEqual([ids.web]);
    expect(byId.get(ids.web)!.IpPermissionsEgress!.flatMap((p) => p.UserIdGroupPairs!.map((u) => u.GroupId))).toEqual([ids.db]);
    expect(changed((await plan(stack(false), { particles })).plan.actions)).toEqual([]);

    // A rule naming the group itself.
    const second = await apply(stack(true), { particles });
    expect(changed(second.plan.actions)).toEqual(["update Vpc:main/SecurityGroup:db"]);
    expect(changed((await plan(stack(true), { particles })).plan.actions)).toEqual([]);

    await destroy("mutual", { particles });
    expect((await plan(stack(true), { particles })).snapshot.owned).toEqual([]);
  });
});
