import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  type IpPermission,
} from "@aws-sdk/client-ec2";
import { ref } from "@jiti/jsx-runtime";
import { renderTree, Stack } from "@jiti/reconciler";
import { particleOf, type ParticleContext } from "@jiti/reconciler/particle";
import { describe, expect, test } from "vitest";
import { useMoto } from "@jiti/testkit";
import { SecurityGroup, type SecurityGroupProps } from "../src/ec2/SecurityGroup.js";
import { Vpc } from "../src/ec2/Vpc.js";
import { createVpc, rawEc2, tagsOf } from "./ec2-network.js";
import { desired, particleContext, withIds, createAndConfigure } from "./context.js";

const moto = useMoto();
const sg = particleOf(SecurityGroup)!;
const PATH = "Vpc:main/SecurityGroup:web";

async function rawGroup(id: string) {
  const out = await rawEc2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }));
  return out.SecurityGroups![0]!;
}

/** AWS's permissions flattened to one sorted line per peer, to compare with what a test expects. */
/** The group's data as the next plan's `list` reads it. */
async function listedData(ctx: ParticleContext, id: string) {
  return (await sg.list(ctx)).find((g) => g.id === id)?.data;
}

function lines(permissions: readonly IpPermission[] | undefined): string[] {
  return (permissions ?? [])
    .flatMap((p) => [
      ...(p.IpRanges ?? []).map(
        (r) => `${p.IpProtocol} ${p.FromPort ?? ""}-${p.ToPort ?? ""} ${r.CidrIp}${r.Description ? ` "${r.Description}"` : ""}`,
      ),
      ...(p.UserIdGroupPairs ?? []).map(
        (g) => `${p.IpProtocol} ${p.FromPort ?? ""}-${p.ToPort ?? ""} ${g.GroupId}${g.Description ? ` "${g.Description}"` : ""}`,
      ),
    ])
    .sort();
}

async function peerGroup(vpc: string) {
  return (await rawEc2.send(new CreateSecurityGroupCommand({ VpcId: vpc, GroupName: "peer", Description: "peer" }))).GroupId!;
}

/** Props as the reconciler hands them over: canonical (normalize) with references resolved to ids. */
function props(input: SecurityGroupProps): SecurityGroupProps {
  return sg.normalize!({ description: "Managed by jiti", ingress: [], egress: [{ protocol: "all", to: "0.0.0.0/0" }], tags: {}, ...input });
}

describe("SecurityGroup particle", () => {
  test("declares how each prop changes: rules update in place, identity replaces", () => {
    expect(sg.type).toBe("aws.ec2.SecurityGroup");
    expect(sg.parents).toEqual(["Vpc"]);
    expect(sg.parentProp).toBe("vpc");
    expect(sg.props).toEqual({
      vpc: "replace",
      description: "replace",
      groupName: "replace",
      ingress: "update",
      egress: "update",
      tags: "update",
    });
    expect(sg.references).toEqual(["SecurityGroup"]);
  });

  test("create with rules, list, observe, update only the differing rules, delete", async () => {
    const ctx = particleContext("s");
    const vpc = await createVpc();
    const peer = await peerGroup(vpc);
    const web = props({
      vpc,
      ingress: [
        { port: 443, from: ["0.0.0.0/0", peer], description: "https" },
        { protocol: "icmp", from: "10.0.0.0/16" },
        { protocol: "udp", ports: [5000, 5010], from: "10.1.0.0/16" },
      ],
      tags: { Name: "s/main/web" },
    });

    const mark = (await moto.calls()).length;
    const live = await createAndConfigure(sg, ctx, desired(ctx, PATH, web));
    expect(await moto.operations(mark)).not.toContain("CreateTags");
    const raw = await rawGroup(live.id);
    expect(raw).toMatchObject({ VpcId: vpc, Description: "Managed by jiti", GroupName: expect.stringMatching(/^s-web-[0-9a-f]{6}$/) });
    // jiti:attrs records that the name was derived, so that observe leaves it out.
    expect(tagsOf(raw.Tags)).toEqual({
      "jiti:stack": "s",
      "jiti:path": PATH,
      "jiti:attrs": '{"derivedName":true}',
      "jiti:create-token": expect.any(String),
      Name: "s/main/web",
    });
    // What create and configure answer is what AWS holds, without reading it back.
    expect(live.data).toEqual(await listedData(ctx, live.id));
    expect(lines(raw.IpPermissions)).toEqual([
      `icmp -1--1 10.0.0.0/16`,
      `tcp 443-443 0.0.0.0/0 "https"`,
      `tcp 443-443 ${peer} "https"`,
      `udp 5000-5010 10.1.0.0/16`,
    ]);
    // Egress left out: AWS's allow-all rule is kept.
    expect(lines(raw.IpPermissionsEgress)).toEqual(["-1 - 0.0.0.0/0"]);
    expect(sg.outputs(live)).toEqual({ id: live.id });

    const before = (await moto.calls()).length;
    const listed = await sg.list(ctx);
    expect(await moto.operations(before)).toEqual(["DescribeSecurityGroups"]);
    // The peer group (and the VPC's default group) carry no stack tag.
    expect(listed.map((l) => [l.id, l.path])).toEqual([[live.id, PATH]]);
    expect(sg.observe(listed[0]!)).toEqual({ ...web, groupName: undefined });
    expect(web.ingress).toEqual([
      { protocol: "icmp", cidr: "10.0.0.0/16" },
      { protocol: "tcp", fromPort: 443, toPort: 443, cidr: "0.0.0.0/0", description: "https" },
      { protocol: "tcp", fromPort: 443, toPort: 443, group: peer, description: "https" },
      { protocol: "udp", fromPort: 5000, toPort: 5010, cidr: "10.1.0.0/16" },
    ]);

    // Ingress: icmp goes, port 80 comes, one description changes, the rest is untouched.
    const changed = props({
      ...web,
      ingress: [
        { port: 443, from: "0.0.0.0/0", description: "public https" },
        { port: 443, from: peer, description: "https" },
        { port: 80, from: "0.0.0.0/0" },
        { protocol: "udp", ports: [5000, 5010], from: "10.1.0.0/16" },
      ],
    });
    const from = (await moto.calls()).length;
    const updated = await sg.update(ctx, listed[0]!, desired(ctx, PATH, changed), ["ingress"]);
    expect((await moto.operations(from)).filter((o) => o !== "DescribeSecurityGroups")).toEqual([
      "AuthorizeSecurityGroupIngress",
      "UpdateSecurityGroupRuleDescriptionsIngress",
      "RevokeSecurityGroupIngress",
    ]);
    expect(updated.id).toBe(live.id);
    expect(lines((await rawGroup(live.id)).IpPermissions)).toEqual([
      `tcp 443-443 0.0.0.0/0 "public https"`,
      `tcp 443-443 ${peer} "https"`,
      `tcp 80-80 0.0.0.0/0`,
      `udp 5000-5010 10.1.0.0/16`,
    ]);
    expect(sg.observe(updated).ingress).toEqual(changed.ingress);

    // Egress: [] removes AWS's default rule; a rule of our own replaces it.
    const closed = await sg.update(ctx, updated, desired(ctx, PATH, props({ ...changed, egress: [] })), ["egress"]);
    expect((await rawGroup(live.id)).IpPermissionsEgress).toEqual([]);
    expect(sg.observe(closed).egress).toEqual([]);
    const https = props({ ...changed, egress: [{ port: 443 }] });
    const reopened = await sg.update(ctx, closed, desired(ctx, PATH, https), ["egress"]);
    expect(lines((await rawGroup(live.id)).IpPermissionsEgress)).toEqual(["tcp 443-443 0.0.0.0/0"]);
    expect(sg.observe(reopened).egress).toEqual([{ protocol: "tcp", fromPort: 443, toPort: 443, cidr: "0.0.0.0/0" }]);

    const retagged = await sg.update(ctx, reopened, desired(ctx, PATH, { ...https, tags: { Name: "web", tier: "front" } }), ["tags"]);
    expect(tagsOf((await rawGroup(live.id)).Tags)).toEqual({
      "jiti:stack": "s",
      "jiti:path": PATH,
      "jiti:attrs": '{"derivedName":true}',
      "jiti:create-token": expect.any(String),
      Name: "web",
      tier: "front",
    });
    expect(retagged.data).toEqual(await listedData(ctx, live.id));
    expect(sg.observe(retagged).tags).toEqual({ Name: "web", tier: "front" });

    await sg.delete(ctx, retagged);
    await expect(rawGroup(live.id)).rejects.toMatchObject({ name: "InvalidGroup.NotFound" });
    await expect(sg.delete(ctx, retagged)).resolves.toBeUndefined();
  });

  // moto gap: AWS removes a rule's description when UpdateSecurityGroupRuleDescriptions*
  // leaves it out; moto keeps the old one. The particle sends "" explicitly, which both honour.
  test("a description removed from a rule is removed in AWS", async () => {
    const ctx = particleContext("s");
    const vpc = await createVpc();
    const described = props({ vpc, ingress: [{ port: 22, from: "10.0.0.0/8", description: "ssh" }] });
    const live = await createAndConfigure(sg, ctx, desired(ctx, PATH, described));
    const bare = props({ vpc, ingress: [{ port: 22, from: "10.0.0.0/8" }] });
    const updated = await sg.update(ctx, live, desired(ctx, PATH, bare), ["ingress"]);
    expect(lines((await rawGroup(live.id)).IpPermissions)).toEqual(["tcp 22-22 10.0.0.0/8"]);
    expect(sg.observe(updated).ingress).toEqual(bare.ingress);
  });

  test("a rule added by hand shows as drift and update revokes only it", async () => {
    const ctx = particleContext("s");
    const vpc = await createVpc();
    const web = props({ vpc, ingress: [{ port: 443, from: "0.0.0.0/0" }] });
    const live = await createAndConfigure(sg, ctx, desired(ctx, PATH, web));
    await rawEc2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: live.id,
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      }),
    );

    const [found] = await sg.list(ctx);
    expect(sg.observe(found!).ingress).toEqual([
      { protocol: "tcp", fromPort: 22, toPort: 22, cidr: "0.0.0.0/0" },
      { protocol: "tcp", fromPort: 443, toPort: 443, cidr: "0.0.0.0/0" },
    ]);
    const from = (await moto.calls()).length;
    await sg.update(ctx, found!, desired(ctx, PATH, web), ["ingress"]);
    expect((await moto.operations(from)).filter((o) => o !== "DescribeSecurityGroups")).toEqual(["RevokeSecurityGroupIngress"]);
    expect(lines((await rawGroup(live.id)).IpPermissions)).toEqual(["tcp 443-443 0.0.0.0/0"]);
  });

  test("a group name and description given are used as they are", async () => {
    const ctx = particleContext("s");
    const vpc = await createVpc();
    const named = props({ vpc, groupName: "web-servers", description: "Web servers" });
    const live = await createAndConfigure(sg, ctx, desired(ctx, PATH, named));
    expect(await rawGroup(live.id)).toMatchObject({ GroupName: "web-servers", Description: "Web servers" });
    expect(tagsOf((await rawGroup(live.id)).Tags)["jiti:attrs"]).toBeUndefined();
    expect(sg.observe(live)).toEqual(named);
  });

  test("rules referring to another group of the tree: rendered as paths, created with ids, observed the same", async () => {
    const ctx = particleContext("s");
    const vpc = await createVpc();
    const lb = ref(SecurityGroup);
    const tree = renderTree(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          <SecurityGroup name="lb" ref={lb} ingress={[{ port: 443, from: "0.0.0.0/0" }]} />
          <SecurityGroup name="web" ingress={[{ port: 8080, from: [lb, "10.0.0.0/16"] }]} egress={[{ protocol: "all", to: lb }]} />
        </Vpc>
      </Stack>,
    );
    const [lbProps, webProps] = tree.children[0]!.children.map((n) => n.props as unknown as SecurityGroupProps) as [
      SecurityGroupProps,
      SecurityGroupProps,
    ];
    expect(webProps.ingress).toEqual([
      { protocol: "tcp", fromPort: 8080, toPort: 8080, cidr: "10.0.0.0/16" },
      { protocol: "tcp", fromPort: 8080, toPort: 8080, group: { $ref: "Vpc:main/SecurityGroup:lb" } },
    ]);

    const lbLive = await createAndConfigure(sg, ctx, desired(ctx, "Vpc:main/SecurityGroup:lb", withIds(lbProps, { "Vpc:main": vpc })));
    // After resolving references the rules are sorted again (ids, not paths), as observe sorts them.
    const resolved = sg.normalize!(withIds(webProps, { "Vpc:main": vpc, "Vpc:main/SecurityGroup:lb": lbLive.id }));
    const webLive = await createAndConfigure(sg, ctx, desired(ctx, PATH, resolved));
    expect(lines((await rawGroup(webLive.id)).IpPermissions)).toEqual([`tcp 8080-8080 10.0.0.0/16`, `tcp 8080-8080 ${lbLive.id}`]);
    expect(lines((await rawGroup(webLive.id)).IpPermissionsEgress)).toEqual([`-1 - ${lbLive.id}`]);
    const observed = sg.observe(webLive);
    expect({ ingress: observed.ingress, egress: observed.egress }).toEqual({ ingress: resolved.ingress, egress: resolved.egress });
  });

  test("lookup finds an existing group by id or by tags", async () => {
    const ctx = particleContext("s");
    const vpc = await createVpc();
    const out = await rawEc2.send(
      new CreateSecurityGroupCommand({
        VpcId: vpc,
        GroupName: "shared",
        Description: "shared",
        TagSpecifications: [{ ResourceType: "security-group", Tags: [{ Key: "shared", Value: "yes" }] }],
      }),
    );
    expect((await sg.lookup(ctx, { id: out.GroupId! })).map((l) => l.id)).toEqual([out.GroupId]);
    expect((await sg.lookup(ctx, { tags: { shared: "yes" } })).map((l) => [l.id, l.path])).toEqual([[out.GroupId, undefined]]);
    expect(await sg.lookup(ctx, { id: "sg-0123456789abcdef0" })).toEqual([]);
  });

  // moto gap: AWS answers DeleteSecurityGroup with DependencyViolation while a
  // network interface (an instance) or another group's rule still uses the
  // group; delete retries it with retryOn. moto deletes a group in use at once.
});
