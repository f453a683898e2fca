/**
 * Drift: the web-app stack of examples/web-app is applied, then changed by
 * hand with the raw SDK, as someone in the console would, one change per
 * test. The next plan shows exactly the change back to stack.tsx (or the
 * create of what was deleted, and what that means for what depends on it),
 * the apply makes AWS so, and the plan after it has no changes.
 *
 * Where moto lets a change through that AWS refuses (deleting a group or a
 * subnet an instance uses, a role still in its profile), the change is made
 * the way AWS allows it, and the test says so.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  ModifyVpcAttributeCommand,
  RevokeSecurityGroupIngressCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
  waitUntilInstanceTerminated,
  type Instance,
} from "@aws-sdk/client-ec2";
import {
  DeleteRoleCommand,
  GetInstanceProfileCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
} from "@aws-sdk/client-iam";
import { Role, Stack, Vpc, particles, type PolicyDocument } from "@jiti/aws-particles";
import { apply, plan, type Action, type Change, type RunOptions } from "@jiti/reconciler";
import { digest } from "@jiti/reconciler/particle";
import { describe, expect, it } from "vitest";
import { useMoto } from "@jiti/testkit";
import WebApp from "../examples/web-app/stack.js";

const moto = useMoto();
const options = { particles, sourceRoot: "examples/web-app" };
const ec2 = new EC2Client({});
const iam = new IAMClient({});
/** The waiters poll fast: moto answers at once. */
const waiter = { client: ec2, maxWaitTime: 30, minDelay: 1, maxDelay: 1 };

const ROLE = "Role:app";
const PROFILE = "Role:app/InstanceProfile:app";
const VPC = "Vpc:main";
const TABLE = "Vpc:main/RouteTable:public";
const GROUP = "Vpc:main/SecurityGroup:web";
const SUBNET = "Vpc:main/Subnet:public-a";
const INSTANCE = "Vpc:main/Subnet:public-a/Ec2:web";

/** The rule stack.tsx declares on the web group. */
const HTTP = { protocol: "tcp", fromPort: 80, toPort: 80, cidr: "0.0.0.0/0", description: "HTTP" };

type Ids = Record<string, string>;

/** Applies stack.tsx as it is: what every test starts from. The id of each element, by path. */
async function applied(element = <WebApp env="dev" />): Promise<Ids> {
  const { outputs } = await apply(element, options);
  return Object.fromEntries(Object.entries(outputs).map(([path, o]) => [path, String(o.id)]));
}

/** The plan's changes, by path: `"update ingress"`, `"replace userData"`, `"create"`. */
const planned = (actions: readonly Action[]) =>
  Object.fromEntries(
    actions
      .filter((a) => a.action !== "noop")
      .map((a) => [a.path, a.action === "create" ? "create" : `${a.action} ${a.changes.map((c) => c.field).join(",")}`]),
  );

/**
 * Plans and checks that the plan is exactly `expected`, applies it, and
 * checks that a plan after that changes nothing. Resolves with the drift
 * plan's changes of each element, by field, and the ids after the apply.
 */
async function repaired(expected: Record<string, string>, run: RunOptions = {}, element = <WebApp env="dev" />) {
  const drift = await plan(element, { ...options, ...run });
  expect(planned(drift.plan.actions)).toEqual(expected);
  const result = await apply(element, { ...options, ...run });
  expect(planned(result.plan.actions), "the apply ran the plan shown").toEqual(expected);
  const after = await plan(element, { ...options, ...run });
  expect(planned(after.plan.actions), "converged").toEqual({});
  const changes = (path: string): Record<string, Pick<Change, "from" | "to">> =>
    Object.fromEntries(
      (drift.plan.actions.find((a) => a.path === path)?.changes ?? []).map(({ field, from, to }) => [field, { from, to }]),
    );
  const ids: Ids = Object.fromEntries(Object.entries(result.outputs).map(([path, o]) => [path, String(o.id)]));
  return { changes, ids };
}

async function instance(id: string): Promise<Instance> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations![0]!.Instances![0]!;
}

async function ingressOf(groupId: string) {
  const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
  return out.SecurityGroups![0]!.IpPermissions!.map((p) => ({
    port: p.FromPort,
    cidrs: p.IpRanges!.map((r) => [r.CidrIp, r.Description ?? ""]),
  }));
}

async function tagsOf(resource: { Tags?: { Key?: string; Value?: string }[] }) {
  return Object.fromEntries((resource.Tags ?? []).map((t) => [t.Key, t.Value]));
}

async function stopped(id: string) {
  await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
  await waitUntilInstanceStopped(waiter, { InstanceIds: [id] });
}

async function started(id: string) {
  await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
  await waitUntilInstanceRunning(waiter, { InstanceIds: [id] });
}

async function terminated(id: string) {
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  await waitUntilInstanceTerminated(waiter, { InstanceIds: [id] });
}

describe("a resource changed by hand is brought back to stack.tsx", () => {
  it("an ingress rule added by hand is revoked", async () => {
    const ids = await applied();
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: ids[GROUP],
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      }),
    );
    const { changes } = await repaired({ [GROUP]: "update ingress" });
    expect(changes(GROUP).ingress).toEqual({ from: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidr: "0.0.0.0/0" }, HTTP], to: [HTTP] });
    expect(await ingressOf(ids[GROUP]!)).toEqual([{ port: 80, cidrs: [["0.0.0.0/0", "HTTP"]] }]);
  });

  it("the declared ingress rule, revoked by hand, is authorised again", async () => {
    const ids = await applied();
    await ec2.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: ids[GROUP],
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      }),
    );
    const { changes } = await repaired({ [GROUP]: "update ingress" });
    expect(changes(GROUP).ingress).toEqual({ from: [], to: [HTTP] });
    expect(await ingressOf(ids[GROUP]!)).toEqual([{ port: 80, cidrs: [["0.0.0.0/0", "HTTP"]] }]);
  });

  it("an instance stopped by hand is started, and stays the same instance", async () => {
    const ids = await applied();
    await stopped(ids[INSTANCE]!);
    const after = await repaired({ [INSTANCE]: "update state" });
    expect(after.changes(INSTANCE).state).toEqual({ from: "stopped", to: "running" });
    expect(after.ids[INSTANCE]).toBe(ids[INSTANCE]);
    expect((await instance(ids[INSTANCE]!)).State?.Name).toBe("running");
  });

  it("an instance type modified by hand (stop, modify, start) is modified back in place", async () => {
    const ids = await applied();
    const id = ids[INSTANCE]!;
    await stopped(id);
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: "t3.small" } }));
    await started(id);
    const after = await repaired({ [INSTANCE]: "update type" });
    expect(after.changes(INSTANCE).type).toEqual({ from: "t3.small", to: "t3.micro" });
    expect(after.ids[INSTANCE]).toBe(id);
    expect(await instance(id)).toMatchObject({ InstanceType: "t3.micro", State: { Name: "running" } });
  });

  it("tags removed by hand are put back: a user tag on the VPC, and the Name tag jiti gave the instance", async () => {
    const ids = await applied();
    await ec2.send(new DeleteTagsCommand({ Resources: [ids[VPC]!], Tags: [{ Key: "app" }] }));
    // Name is jiti's default, not its bookkeeping (jiti:…), so it is compared like the user's own tags.
    await ec2.send(new DeleteTagsCommand({ Resources: [ids[INSTANCE]!], Tags: [{ Key: "Name" }] }));
    const { changes } = await repaired({ [VPC]: "update tags", [INSTANCE]: "update tags" });
    expect(changes(VPC).tags).toEqual({
      from: { env: "dev", Name: "web-app-dev/main" },
      to: { app: "web-app", env: "dev", Name: "web-app-dev/main" },
    });
    expect(changes(INSTANCE).tags).toEqual({
      from: { app: "web-app", env: "dev" },
      to: { app: "web-app", env: "dev", Name: "web-app-dev/main/public-a/web" },
    });
    const vpc = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [ids[VPC]!] }))).Vpcs![0]!;
    expect(await tagsOf(vpc)).toMatchObject({ app: "web-app", "jiti:stack": "web-app-dev", "jiti:path": VPC });
    expect(await tagsOf(await instance(ids[INSTANCE]!))).toMatchObject({ Name: "web-app-dev/main/public-a/web" });
  });

  it("the jiti:attrs tag removed by hand: the DNS settings it recorded are set again and recorded", async () => {
    const ids = await applied();
    await ec2.send(new DeleteTagsCommand({ Resources: [ids[VPC]!], Tags: [{ Key: "jiti:attrs" }] }));
    const { changes } = await repaired({ [VPC]: "update dnsHostnames,dnsSupport" });
    expect(changes(VPC)).toEqual({ dnsHostnames: { from: undefined, to: true }, dnsSupport: { from: undefined, to: true } });
  });

  it("an inline policy put on the role by hand is deleted", async () => {
    const ids = await applied();
    const document = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] };
    await iam.send(new PutRolePolicyCommand({ RoleName: ids[ROLE], PolicyName: "by-hand", PolicyDocument: JSON.stringify(document) }));
    const { changes } = await repaired({ [ROLE]: "update inlinePolicies" });
    expect(changes(ROLE).inlinePolicies).toEqual({ from: { "by-hand": document }, to: {} });
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: ids[ROLE] }))).PolicyNames).toEqual([]);
  });

  it("a declared inline policy whose document was changed by hand is put back", async () => {
    // The example's role has no inline policy: a role of its own that has one.
    const logs: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "logs:PutLogEvents", Resource: "*" }] };
    const stack = (
      <Stack name="drift-role">
        <Role name="app" assumedBy="ec2.amazonaws.com" inlinePolicies={{ logs }} />
      </Stack>
    );
    const ids = await applied(stack);
    const widened = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "logs:*", Resource: "*" }] };
    await iam.send(new PutRolePolicyCommand({ RoleName: ids[ROLE], PolicyName: "logs", PolicyDocument: JSON.stringify(widened) }));
    const { changes } = await repaired({ [ROLE]: "update inlinePolicies" }, {}, stack);
    expect(changes(ROLE).inlinePolicies).toEqual({ from: { logs: widened }, to: { logs } });
    const put = await iam.send(new GetRolePolicyCommand({ RoleName: ids[ROLE], PolicyName: "logs" }));
    expect(JSON.parse(decodeURIComponent(put.PolicyDocument!))).toEqual(logs);
  });

  it("the route table's subnet association, removed by hand, is made again", async () => {
    const ids = await applied();
    const table = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [ids[TABLE]!] }))).RouteTables![0]!;
    const association = table.Associations!.find((a) => a.SubnetId === ids[SUBNET])!;
    await ec2.send(new DisassociateRouteTableCommand({ AssociationId: association.RouteTableAssociationId! }));
    const { changes } = await repaired({ [TABLE]: "update subnets" });
    expect(changes(TABLE).subnets).toEqual({ from: [], to: [ids[SUBNET]] });
    const again = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [ids[TABLE]!] }))).RouteTables![0]!;
    expect(again.Associations!.filter((a) => !a.Main).map((a) => a.SubnetId)).toEqual([ids[SUBNET]]);
  });
});

describe("a resource deleted by hand is created again, and what depends on it follows", () => {
  it("the instance: a new one", async () => {
    const ids = await applied();
    await terminated(ids[INSTANCE]!);
    const after = await repaired({ [INSTANCE]: "create" });
    expect(after.ids[INSTANCE]).not.toBe(ids[INSTANCE]);
    expect(await instance(after.ids[INSTANCE]!)).toMatchObject({ SubnetId: ids[SUBNET], State: { Name: "running" } });
  });

  it("the security group: a new one, and the instance moved onto it", async () => {
    const ids = await applied();
    // AWS refuses to delete a group an instance uses (DependencyViolation; moto deletes it): first the
    // instance goes onto its VPC's default group, as it must on AWS.
    const defaults = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "vpc-id", Values: [ids[VPC]!] },
          { Name: "group-name", Values: ["default"] },
        ],
      }),
    );
    const fallback = defaults.SecurityGroups![0]!.GroupId!;
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: ids[INSTANCE], Groups: [fallback] }));
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: ids[GROUP] }));
    const after = await repaired({ [GROUP]: "create", [INSTANCE]: "update securityGroups" });
    expect(after.changes(INSTANCE).securityGroups).toEqual({ from: [fallback], to: "(known after apply)" });
    expect(after.ids[GROUP]).not.toBe(ids[GROUP]);
    expect(after.ids[INSTANCE]).toBe(ids[INSTANCE]);
    expect((await instance(ids[INSTANCE]!)).SecurityGroups!.map((g) => g.GroupId)).toEqual([after.ids[GROUP]]);
    expect(await ingressOf(after.ids[GROUP]!)).toEqual([{ port: 80, cidrs: [["0.0.0.0/0", "HTTP"]] }]);
  });

  it("the subnet: a new one, its instance in it, and the route table associated with it", async () => {
    const ids = await applied();
    // AWS refuses to delete a subnet an instance is in (DependencyViolation; moto deletes it): the
    // instance is terminated first, as it must be on AWS.
    await terminated(ids[INSTANCE]!);
    await ec2.send(new DeleteSubnetCommand({ SubnetId: ids[SUBNET] }));
    // AWS removes a deleted subnet's route table association with it; moto keeps it, so the plan's
    // `from` is [] on AWS and the old subnet here. Either way: the table is updated to the new subnet.
    const after = await repaired({ [SUBNET]: "create", [TABLE]: "update subnets", [INSTANCE]: "create" });
    expect(after.changes(TABLE).subnets?.to).toBe("(known after apply)");
    expect(after.ids[SUBNET]).not.toBe(ids[SUBNET]);
    expect((await instance(after.ids[INSTANCE]!)).SubnetId).toBe(after.ids[SUBNET]);
    const table = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [ids[TABLE]!] }))).RouteTables![0]!;
    expect(table.Associations!.filter((a) => !a.Main).map((a) => a.SubnetId)).toEqual([after.ids[SUBNET]]);
  });

  it("the role: a new one, and its instance profile given it again", async () => {
    const ids = await applied();
    // AWS refuses to delete a role that is in an instance profile (DeleteConflict): it leaves the profile first.
    await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: ids[PROFILE], RoleName: ids[ROLE] }));
    await iam.send(new DeleteRoleCommand({ RoleName: ids[ROLE] }));
    const after = await repaired({ [ROLE]: "create", [PROFILE]: "update role" });
    expect(after.changes(PROFILE).role).toEqual({ from: undefined, to: "(known after apply)" });
    const profile = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: ids[PROFILE] }));
    expect(profile.InstanceProfile!.Roles!.map((r) => r.RoleName)).toEqual([after.ids[ROLE]]);
  });
});

describe("attributes jiti records in its jiti:attrs tag: drift seen only with refreshAttrs", () => {
  it("DNS hostnames turned off by hand: no change to a plan, an update with refreshAttrs", async () => {
    const ids = await applied();
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: ids[VPC], EnableDnsHostnames: { Value: false } }));
    // The trade-off: a plan compares with what jiti recorded when it applied the setting, and reads no
    // attribute resource by resource, so a change made outside jiti is not seen.
    expect(planned((await plan(<WebApp env="dev" />, options)).plan.actions)).toEqual({});
    const { changes } = await repaired({ [VPC]: "update dnsHostnames" }, { refreshAttrs: true });
    expect(changes(VPC).dnsHostnames).toEqual({ from: false, to: true });
    const read = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: ids[VPC], Attribute: "enableDnsHostnames" }));
    expect(read.EnableDnsHostnames?.Value).toBe(true);
  });

  it("user data changed by hand: no change to a plan, a replace with refreshAttrs", async () => {
    const ids = await applied();
    const id = ids[INSTANCE]!;
    // AWS changes user data only on a stopped instance.
    await stopped(id);
    // The value is the script in base64, which the SDK sends as a blob (base64 once more), as AWS asks:
    // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceAttribute.html
    const byHand = "#!/bin/sh\necho changed by hand\n";
    const encoded = new TextEncoder().encode(Buffer.from(byHand).toString("base64"));
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, UserData: { Value: encoded } }));
    await started(id);
    expect(planned((await plan(<WebApp env="dev" />, options)).plan.actions)).toEqual({});
    const after = await repaired({ [INSTANCE]: "replace userData" }, { refreshAttrs: true });
    // The digest of the script AWS now holds against the digest of the one stack.tsx renders.
    const { from, to } = after.changes(INSTANCE).userData!;
    expect(from).toBe(digest(byHand));
    expect(to).toMatch(/^sha256:/);
    expect(to).not.toBe(from);
    expect(after.ids[INSTANCE]).not.toBe(id);
    const userData = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: after.ids[INSTANCE], Attribute: "userData" }));
    expect(Buffer.from(userData.UserData!.Value!, "base64").toString("utf8")).toContain("# Boot script rendered by jiti from userData JSX");
  });

  it("costs no call without refreshAttrs; with it, two per VPC and one per instance to be diffed, and nothing else more", async () => {
    await applied();
    const ATTRIBUTE_READS = new Set(["DescribeVpcAttribute", "DescribeInstanceAttribute"]);
    const operations = async (run: RunOptions) => {
      const from = (await moto.calls()).length;
      expect(planned((await plan(<WebApp env="dev" />, { ...options, ...run })).plan.actions)).toEqual({});
      return (await moto.operations(from)).sort();
    };
    const plain = await operations({});
    const refreshing = await operations({ refreshAttrs: true });
    expect(plain.filter((op) => ATTRIBUTE_READS.has(op))).toEqual([]);
    expect(refreshing.filter((op) => ATTRIBUTE_READS.has(op))).toEqual([
      "DescribeInstanceAttribute",
      "DescribeVpcAttribute",
      "DescribeVpcAttribute",
    ]);
    expect(refreshing.filter((op) => !ATTRIBUTE_READS.has(op))).toEqual(plain);
    // What a plan only deletes is never diffed, so nothing of it is read one by one: here the
    // stack without its instance, which the plan deletes, and the VPC, which it keeps.
    const from = (await moto.calls()).length;
    const network = (
      <Stack name="web-app-dev" tags={{ app: "web-app", env: "dev" }}>
        <Vpc name="main" cidr="10.0.0.0/16" />
      </Stack>
    );
    const smaller = await plan(network, { ...options, refreshAttrs: true });
    expect(smaller.plan.actions.find((a) => a.path === INSTANCE)?.action).toBe("delete");
    expect(smaller.plan.actions.find((a) => a.path === VPC)?.action).toBe("noop");
    expect((await moto.operations(from)).filter((op) => ATTRIBUTE_READS.has(op)).sort()).toEqual([
      "DescribeVpcAttribute",
      "DescribeVpcAttribute",
    ]);
  });
});
