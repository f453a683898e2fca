/**
 * What AWS holds of a stack shaped like examples/web-app (a VPC, its
 * gateway, route table, security group and public subnet, an instance in
 * it, a role and its profile), read with the SDK alone, and the checks the
 * fault and kill tests make of it: one live resource per element, wired
 * as the stack says; nothing of the stack left after a destroy.
 */
import {
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Tag,
} from "@aws-sdk/client-ec2";
import { IAMClient, ListInstanceProfilesCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { expect } from "vitest";

const ec2 = new EC2Client({});
const iam = new IAMClient({});

/**
 * The web-app stack's elements, by type, each of which must be live exactly
 * once: EC2 resources by their `jiti:path` tag; IAM ones, whose lists carry
 * no tags, by their names (`<stack>.<names along the path>`).
 */
export const elements = (stack: string) => ({
  "aws.ec2.Vpc": ["Vpc:main"],
  "aws.ec2.InternetGateway": ["Vpc:main/InternetGateway:gw"],
  "aws.ec2.RouteTable": ["Vpc:main/RouteTable:public"],
  "aws.ec2.SecurityGroup": ["Vpc:main/SecurityGroup:web"],
  "aws.ec2.Subnet": ["Vpc:main/Subnet:public-a"],
  "aws.ec2.Instance": ["Vpc:main/Subnet:public-a/Ec2:web"],
  "aws.iam.Role": [`${stack}.app`],
  "aws.iam.InstanceProfile": [`${stack}.app.app`],
});

const pathOf = (tags: Tag[] | undefined) => tags?.find((t) => t.Key === "jiti:path")?.Value ?? "(no jiti:path)";
const LIVE_INSTANCE = { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped", "shutting-down"] };

/** What AWS holds of `stack`, read with the SDK alone: every kind's resources, by path, and how they are wired. */
export async function live(stack: string) {
  const owned = [{ Name: "tag:jiti:stack", Values: [stack] }];
  const iamPath = `/jiti/${stack}/`;
  const [vpcs, gateways, tables, groups, subnets, reservations, volumes, roles, profiles] = await Promise.all([
    ec2.send(new DescribeVpcsCommand({ Filters: owned })).then((r) => r.Vpcs ?? []),
    ec2.send(new DescribeInternetGatewaysCommand({ Filters: owned })).then((r) => r.InternetGateways ?? []),
    ec2.send(new DescribeRouteTablesCommand({ Filters: owned })).then((r) => r.RouteTables ?? []),
    ec2.send(new DescribeSecurityGroupsCommand({ Filters: owned })).then((r) => r.SecurityGroups ?? []),
    ec2.send(new DescribeSubnetsCommand({ Filters: owned })).then((r) => r.Subnets ?? []),
    ec2.send(new DescribeInstancesCommand({ Filters: [...owned, LIVE_INSTANCE] })).then((r) => r.Reservations ?? []),
    // The instance's root volume carries the stack's tags too (RunInstances tags it).
    ec2.send(new DescribeVolumesCommand({ Filters: owned })).then((r) => r.Volumes ?? []),
    // moto 5.2.1 ignores PathPrefix of ListInstanceProfiles: the path is compared here too.
    iam.send(new ListRolesCommand({ PathPrefix: iamPath })).then((r) => (r.Roles ?? []).filter((x) => x.Path === iamPath)),
    iam
      .send(new ListInstanceProfilesCommand({ PathPrefix: iamPath }))
      .then((r) => (r.InstanceProfiles ?? []).filter((x) => x.Path === iamPath)),
  ]);
  const instances = reservations.flatMap((r) => r.Instances ?? []);
  return {
    byType: {
      "aws.ec2.Vpc": vpcs.map((v) => pathOf(v.Tags)),
      "aws.ec2.InternetGateway": gateways.map((g) => pathOf(g.Tags)),
      "aws.ec2.RouteTable": tables.map((t) => pathOf(t.Tags)),
      "aws.ec2.SecurityGroup": groups.map((g) => pathOf(g.Tags)),
      "aws.ec2.Subnet": subnets.map((s) => pathOf(s.Tags)),
      "aws.ec2.Instance": instances.map((i) => pathOf(i.Tags)),
      "aws.iam.Role": roles.map((r) => r.RoleName),
      "aws.iam.InstanceProfile": profiles.map((p) => p.InstanceProfileName),
    },
    vpcs,
    gateways,
    tables,
    groups,
    subnets,
    instances,
    volumes,
    roles,
    profiles,
  };
}

/** The stack as it should be after a render: one of each element, wired together as stack.tsx says. */
export async function expectConverged(stack: string, what: string, expected: { ingress?: string[]; type?: string } = {}) {
  const aws = await live(stack);
  expect(aws.byType, `${what}: one live resource per element`).toEqual(elements(stack));
  const [vpc, gateway, table, group, subnet, instance, role, profile] = [
    aws.vpcs[0]!,
    aws.gateways[0]!,
    aws.tables[0]!,
    aws.groups[0]!,
    aws.subnets[0]!,
    aws.instances[0]!,
    aws.roles[0]!,
    aws.profiles[0]!,
  ];
  const dns = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpc.VpcId!, Attribute: "enableDnsHostnames" }));
  expect(
    {
      dnsHostnames: dns.EnableDnsHostnames?.Value,
      gateway: gateway.Attachments?.map((a) => a.VpcId),
      routes: table.Routes?.filter((r) => r.DestinationCidrBlock === "0.0.0.0/0").map((r) => r.GatewayId),
      associated: table.Associations?.filter((a) => !a.Main).map((a) => a.SubnetId),
      group: [group.VpcId, group.IpPermissions?.map((p) => `${p.FromPort}-${p.ToPort} ${p.IpRanges?.map((r) => r.CidrIp).join()}`).sort()],
      subnet: [subnet.VpcId, subnet.MapPublicIpOnLaunch],
      instance: [
        instance.SubnetId,
        instance.SecurityGroups?.map((g) => g.GroupId),
        instance.IamInstanceProfile?.Arn,
        instance.InstanceType,
      ],
      profile: profile.Roles?.map((r) => r.RoleName),
      volumes: aws.volumes.map((v) => v.Attachments?.map((a) => a.InstanceId)),
    },
    `${what}: wired as stack.tsx says`,
  ).toEqual({
    dnsHostnames: true,
    gateway: [vpc.VpcId],
    routes: [gateway.InternetGatewayId],
    associated: [subnet.SubnetId],
    group: [vpc.VpcId, [...(expected.ingress ?? ["80-80 0.0.0.0/0"])].sort()],
    subnet: [vpc.VpcId, true],
    instance: [subnet.SubnetId, [group.GroupId], profile.Arn, expected.type ?? "t3.micro"],
    profile: [role.RoleName],
    volumes: [[instance.InstanceId]],
  });
}

/**
 * Nothing left that the stack owns: no EC2 resource of any kind it creates
 * with its tag, no role or profile under its IAM path. (Not DescribeTags:
 * moto 5.2.1 keeps answering with the tags of resources it has deleted.)
 */
export async function expectGone(stack: string, what: string) {
  const aws = await live(stack);
  expect(aws.byType, `${what}: nothing of the stack left`).toEqual(
    Object.fromEntries(Object.keys(elements(stack)).map((type) => [type, []])),
  );
  expect(
    aws.volumes.map((v) => v.VolumeId),
    `${what}: no volume of the stack left`,
  ).toEqual([]);
}

/** Runs `work` over `items`, `limit` at a time; resolves when all are done, rejecting with every failure. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const failures: unknown[] = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item).catch((error: unknown) => void failures.push(error));
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  if (failures.length > 0) throw new AggregateError(failures, failures.map((f) => (f as Error).message).join("\n\n"));
}
