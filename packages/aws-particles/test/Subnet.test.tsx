import { CreateSubnetCommand, DescribeAvailabilityZonesCommand, DescribeSubnetsCommand } from "@aws-sdk/client-ec2";
import { renderTree, Stack } from "@jiti/reconciler";
import { particleOf } from "@jiti/reconciler/particle";
import { describe, expect, test } from "vitest";
import { useMoto } from "@jiti/testkit";
import { Subnet, type SubnetProps } from "../src/ec2/Subnet.js";
import { Vpc } from "../src/ec2/Vpc.js";
import { createVpc, rawEc2, tagsOf } from "./ec2-network.js";
import { desired, particleContext, withIds, createAndConfigure } from "./context.js";

const moto = useMoto();
const subnet = particleOf(Subnet)!;
const PATH = "Vpc:main/Subnet:a";

async function rawSubnet(id: string) {
  const out = await rawEc2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }));
  return out.Subnets![0]!;
}

/** The subnet's props as render makes them and the reconciler hands them to create: refs resolved, zone index resolved. */
async function desiredProps(ctx: ReturnType<typeof particleContext>, vpcId: string, props: Partial<SubnetProps> = {}) {
  const tree = renderTree(
    <Stack name={ctx.stack}>
      <Vpc name="main" cidr="10.0.0.0/16">
        <Subnet name="a" cidr="10.0.1.0/24" zone={1} {...props} />
      </Vpc>
    </Stack>,
  );
  const rendered = tree.children[0]!.children[0]!.props as unknown as SubnetProps;
  return (await subnet.resolve!(ctx, withIds(rendered, { "Vpc:main": vpcId }))) as SubnetProps;
}

describe("Subnet particle", () => {
  test("declares how each prop changes: placement replaces (old one first), the rest updates", () => {
    expect(subnet.type).toBe("aws.ec2.Subnet");
    expect(subnet.parents).toEqual(["Vpc"]);
    expect(subnet.parentProp).toBe("vpc");
    expect(subnet.props).toEqual({ vpc: "replace", cidr: "replace", zone: "replace", public: "update", tags: "update" });
    expect(subnet.replaceStrategy).toBe("delete-first");
    expect(subnet.nameTag).toBe(true);
  });

  test("create, list, observe, update in place, delete", async () => {
    const ctx = particleContext("s");
    const vpcId = await createVpc();
    const props = await desiredProps(ctx, vpcId, { tags: { team: "net" } });
    const zones = (await rawEc2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones!.map((z) => z.ZoneName!).sort();
    expect(props).toEqual({ vpc: vpcId, cidr: "10.0.1.0/24", zone: zones[1], public: false, tags: { Name: "s/main/a", team: "net" } });

    const mark = (await moto.calls()).length;
    const live = await createAndConfigure(subnet, ctx, desired(ctx, PATH, props));

    // Ownership is set by the create call itself: no CreateTags afterwards.
    expect(await moto.operations(mark)).not.toContain("CreateTags");
    const raw = await rawSubnet(live.id);
    expect(raw).toMatchObject({
      VpcId: vpcId,
      CidrBlock: "10.0.1.0/24",
      AvailabilityZone: zones[1],
      MapPublicIpOnLaunch: false,
      State: "available",
    });
    // The create's token tells this subnet from any other of the element, should its reply be lost.
    expect(tagsOf(raw.Tags)).toEqual({
      "jiti:stack": "s",
      "jiti:path": PATH,
      "jiti:create-token": expect.stringMatching(/^[0-9a-f-]{36}$/),
      Name: "s/main/a",
      team: "net",
    });
    expect(subnet.outputs(live)).toEqual({ id: live.id, cidr: "10.0.1.0/24", zone: zones[1], vpc: vpcId });

    // A subnet of another stack in the same VPC is not listed.
    await rawEc2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: "10.0.2.0/24",
        TagSpecifications: [{ ResourceType: "subnet", Tags: [{ Key: "jiti:stack", Value: "other" }] }],
      }),
    );
    const before = (await moto.calls()).length;
    const listed = await subnet.list(ctx);
    expect(await moto.operations(before)).toEqual(["DescribeSubnets"]);
    expect(listed.map((l) => [l.id, l.path, l.stack])).toEqual([[live.id, PATH, "s"]]);
    expect(subnet.observe(listed[0]!)).toEqual(props);

    // public: MapPublicIpOnLaunch, in place.
    const madePublic = await subnet.update(ctx, listed[0]!, desired(ctx, PATH, { ...props, public: true }), ["public"]);
    expect(madePublic.id).toBe(live.id);
    expect((await rawSubnet(live.id)).MapPublicIpOnLaunch).toBe(true);
    expect(subnet.observe(madePublic)).toEqual({ ...props, public: true });

    // tags: changed and removed, ownership kept.
    const retagged = await subnet.update(ctx, madePublic, desired(ctx, PATH, { ...props, public: true, tags: { Name: "renamed" } }), [
      "tags",
    ]);
    expect(retagged.id).toBe(live.id);
    expect(tagsOf((await rawSubnet(live.id)).Tags)).toEqual({
      "jiti:stack": "s",
      "jiti:path": PATH,
      "jiti:create-token": expect.any(String),
      Name: "renamed",
    });
    // What update answers is what AWS holds, without reading it back.
    expect(retagged.data.tags).toEqual(tagsOf((await rawSubnet(live.id)).Tags));
    expect(subnet.observe(retagged).tags).toEqual({ Name: "renamed" });

    await subnet.delete(ctx, retagged);
    await expect(rawSubnet(live.id)).rejects.toMatchObject({ name: "InvalidSubnetID.NotFound" });
    expect(await subnet.list(ctx)).toEqual([]);
    // Idempotent: deleting what is gone is not an error.
    await expect(subnet.delete(ctx, retagged)).resolves.toBeUndefined();
  });

  test("a public subnet is created with MapPublicIpOnLaunch set", async () => {
    const ctx = particleContext("s");
    const vpcId = await createVpc();
    const props = { vpc: vpcId, cidr: "10.0.3.0/24", zone: "us-east-1a", public: true, tags: {} };
    const live = await createAndConfigure(subnet, ctx, desired(ctx, PATH, props));
    expect((await rawSubnet(live.id)).MapPublicIpOnLaunch).toBe(true);
    expect(subnet.observe(live)).toEqual(props);
  });

  test("resolve turns a zone index into the region's zone of that rank by name, reading the zones once per run", async () => {
    const ctx = particleContext("s");
    const zones = (await rawEc2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones!.map((z) => z.ZoneName!).sort();
    const mark = (await moto.calls()).length;

    const [first, third] = await Promise.all([
      subnet.resolve!(ctx, { cidr: "10.0.1.0/24", zone: 0 }),
      subnet.resolve!(ctx, { cidr: "10.0.2.0/24", zone: 2 }),
    ]);
    expect(first.zone).toBe(zones[0]);
    expect(third.zone).toBe(zones[2]);
    await subnet.resolve!(ctx, { cidr: "10.0.3.0/24", zone: 1 });
    expect((await moto.operations(mark)).filter((o) => o === "DescribeAvailabilityZones")).toHaveLength(1);

    // A name needs no lookup.
    expect(await subnet.resolve!(particleContext("s"), { cidr: "10.0.1.0/24", zone: "us-east-1c" })).toEqual({
      cidr: "10.0.1.0/24",
      zone: "us-east-1c",
    });
    await expect(subnet.resolve!(ctx, { cidr: "10.0.1.0/24", zone: 99 })).rejects.toThrow(
      new RegExp(`zone 99 is out of range: region us-east-1 has ${zones.length} availability zones`),
    );
  });

  test("lookup finds an existing subnet by id or by tags", async () => {
    const ctx = particleContext("s");
    const vpcId = await createVpc();
    const out = await rawEc2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: "10.0.9.0/24",
        TagSpecifications: [{ ResourceType: "subnet", Tags: [{ Key: "shared", Value: "yes" }] }],
      }),
    );
    const id = out.Subnet!.SubnetId!;
    expect((await subnet.lookup(ctx, { id })).map((l) => l.id)).toEqual([id]);
    expect((await subnet.lookup(ctx, { tags: { shared: "yes" } })).map((l) => [l.id, l.path, l.stack])).toEqual([
      [id, undefined, undefined],
    ]);
    expect(await subnet.lookup(ctx, { id: "subnet-0123456789abcdef0" })).toEqual([]);
  });

  test("AWS refuses a second subnet with the same block, which is why a replace deletes first", async () => {
    const ctx = particleContext("s");
    const vpcId = await createVpc();
    const props = { vpc: vpcId, cidr: "10.0.1.0/24", zone: "us-east-1a", public: false, tags: {} };
    await createAndConfigure(subnet, ctx, desired(ctx, PATH, props));
    await expect(createAndConfigure(subnet, ctx, desired(ctx, PATH, { ...props, zone: "us-east-1b" }))).rejects.toMatchObject({
      name: "InvalidSubnet.Conflict",
    });
  });
});
