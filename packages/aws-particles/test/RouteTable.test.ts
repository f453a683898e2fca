import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  DescribeRouteTablesCommand,
} from "@aws-sdk/client-ec2";
import { particleOf } from "@jiti/reconciler/particle";
import { describe, expect, test } from "vitest";
import { useMoto } from "@jiti/testkit";
import { RouteTable, type RouteTableProps } from "../src/ec2/RouteTable.js";
import { createVpc, rawEc2, tagsOf } from "./ec2-network.js";
import { desired, particleContext, createAndConfigure } from "./context.js";

const moto = useMoto();
const table = particleOf(RouteTable)!;
const PATH = "Vpc:main/RouteTable:public";

async function rawTable(id: string) {
  const out = await rawEc2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }));
  return out.RouteTables![0]!;
}

/** Routes as AWS shows them: destination → target. */
async function rawRoutes(id: string) {
  return Object.fromEntries((await rawTable(id)).Routes!.map((r) => [r.DestinationCidrBlock, r.GatewayId]));
}

async function rawSubnets(id: string) {
  return (await rawTable(id)).Associations!.map((a) => a.SubnetId).sort();
}

async function attachedGateway(vpc: string) {
  const id = (await rawEc2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
  await rawEc2.send(new AttachInternetGatewayCommand({ InternetGatewayId: id, VpcId: vpc }));
  return id;
}

async function subnet(vpc: string, cidr: string) {
  return (await rawEc2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr }))).Subnet!.SubnetId!;
}

/** A VPC with an attached internet gateway and three subnets (ids sorted). */
async function network() {
  const vpc = await createVpc();
  const gw = await attachedGateway(vpc);
  const subnets = [await subnet(vpc, "10.0.1.0/24"), await subnet(vpc, "10.0.2.0/24"), await subnet(vpc, "10.0.3.0/24")].sort();
  return { vpc, gw, subnets: subnets as [string, string, string] };
}

describe("RouteTable particle", () => {
  test("declares how each prop changes: routes and associations update in place", () => {
    expect(table.type).toBe("aws.ec2.RouteTable");
    expect(table.parents).toEqual(["Vpc"]);
    expect(table.parentProp).toBe("vpc");
    expect(table.props).toEqual({ vpc: "replace", routes: "update", subnets: "update", tags: "update" });
    expect(table.references).toEqual(["InternetGateway", "Subnet"]);
  });

  test("create, list, observe, update only what differs, delete", async () => {
    const ctx = particleContext("s");
    const { vpc, gw, subnets } = await network();
    const [s1, s2, s3] = subnets;
    const props: RouteTableProps = {
      vpc,
      routes: [
        { destination: "10.8.0.0/16", gateway: gw },
        { destination: "0.0.0.0/0", gateway: gw },
      ],
      subnets: [s2, s1],
      tags: { Name: "s/main/public" },
    };

    const mark = (await moto.calls()).length;
    const live = await createAndConfigure(table, ctx, desired(ctx, PATH, props));
    expect(await moto.operations(mark)).not.toContain("CreateTags");
    expect(tagsOf((await rawTable(live.id)).Tags)).toEqual({
      "jiti:stack": "s",
      "jiti:path": PATH,
      "jiti:create-token": expect.any(String),
      Name: "s/main/public",
    });
    // What create and configure answer is what AWS holds, without reading it back.
    expect(live).toEqual((await table.list(ctx)).find((t) => t.id === live.id));
    expect(await rawRoutes(live.id)).toEqual({ "10.0.0.0/16": "local", "0.0.0.0/0": gw, "10.8.0.0/16": gw });
    expect(await rawSubnets(live.id)).toEqual([s1, s2]);
    expect(table.outputs(live)).toEqual({ id: live.id });

    // One call; the VPC's main table carries no stack tag and is never listed.
    const before = (await moto.calls()).length;
    const listed = await table.list(ctx);
    expect(await moto.operations(before)).toEqual(["DescribeRouteTables"]);
    expect(listed.map((l) => [l.id, l.path])).toEqual([[live.id, PATH]]);
    // The local route is AWS's: observed props hold only ours, in canonical order.
    expect(table.observe(listed[0]!)).toEqual(table.normalize!(props));
    expect(table.observe(listed[0]!)).toEqual({
      vpc,
      routes: [
        { destination: "0.0.0.0/0", gateway: gw },
        { destination: "10.8.0.0/16", gateway: gw },
      ],
      subnets: [s1, s2],
      tags: { Name: "s/main/public" },
    });

    // Routes: one replaced, one added, one removed, one left alone.
    const other = (await rawEc2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    const routes = [
      { destination: "0.0.0.0/0", gateway: gw },
      { destination: "10.8.0.0/16", gateway: other },
      { destination: "10.9.0.0/16", gateway: gw },
    ];
    const from = (await moto.calls()).length;
    const rerouted = await table.update(
      ctx,
      listed[0]!,
      desired(ctx, PATH, { ...props, routes: [{ destination: "10.7.0.0/16", gateway: gw }, ...routes] }),
      ["routes"],
    );
    expect((await moto.operations(from)).filter((o) => o.endsWith("Route"))).toEqual(["CreateRoute", "ReplaceRoute", "CreateRoute"]);
    expect(rerouted.id).toBe(live.id);
    expect(await rawRoutes(live.id)).toEqual({
      "10.0.0.0/16": "local",
      "0.0.0.0/0": gw,
      "10.7.0.0/16": gw,
      "10.8.0.0/16": other,
      "10.9.0.0/16": gw,
    });
    const pruned = await table.update(ctx, rerouted, desired(ctx, PATH, { ...props, routes }), ["routes"]);
    expect(await rawRoutes(live.id)).toEqual({ "10.0.0.0/16": "local", "0.0.0.0/0": gw, "10.8.0.0/16": other, "10.9.0.0/16": gw });

    // Associations: s1 out, s3 in, s2 untouched.
    const at = (await moto.calls()).length;
    const reassociated = await table.update(ctx, pruned, desired(ctx, PATH, { ...props, routes, subnets: [s3, s2] }), ["subnets"]);
    expect((await moto.operations(at)).filter((o) => o.endsWith("RouteTable"))).toEqual(["AssociateRouteTable", "DisassociateRouteTable"]);
    expect(await rawSubnets(live.id)).toEqual([s2, s3]);
    expect(table.observe(reassociated).subnets).toEqual([s2, s3]);

    const retagged = await table.update(ctx, reassociated, desired(ctx, PATH, { ...props, tags: { Name: "rt", tier: "web" } }), ["tags"]);
    expect(tagsOf((await rawTable(live.id)).Tags)).toEqual({
      "jiti:stack": "s",
      "jiti:path": PATH,
      "jiti:create-token": expect.any(String),
      Name: "rt",
      tier: "web",
    });

    await table.delete(ctx, retagged);
    await expect(rawTable(live.id)).rejects.toMatchObject({ name: "InvalidRouteTableID.NotFound" });
    await expect(table.delete(ctx, retagged)).resolves.toBeUndefined();
    // The main table is untouched, and the subnets fall back to it.
    const main = (await rawEc2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpc] }] }))).RouteTables!;
    expect(main).toHaveLength(1);
    expect(main[0]!.Associations).toEqual([expect.objectContaining({ Main: true })]);
  });

  test("a route added by hand shows as drift and update removes it", async () => {
    const ctx = particleContext("s");
    const { vpc, gw } = await network();
    const props: RouteTableProps = { vpc, routes: [{ destination: "0.0.0.0/0", gateway: gw }], subnets: [], tags: {} };
    const live = await createAndConfigure(table, ctx, desired(ctx, PATH, props));
    await rawEc2.send(new CreateRouteCommand({ RouteTableId: live.id, DestinationCidrBlock: "192.168.0.0/16", GatewayId: gw }));

    const [found] = await table.list(ctx);
    expect(table.observe(found!).routes).toEqual([
      { destination: "0.0.0.0/0", gateway: gw },
      { destination: "192.168.0.0/16", gateway: gw },
    ]);
    await table.update(ctx, found!, desired(ctx, PATH, props), ["routes"]);
    expect(await rawRoutes(live.id)).toEqual({ "10.0.0.0/16": "local", "0.0.0.0/0": gw });
  });

  test("a table whose routes cannot be made routes no subnet, and shows what is still to do", async () => {
    const ctx = particleContext("s");
    const { vpc, subnets } = await network();
    const wanted = desired(ctx, PATH, {
      vpc,
      routes: [{ destination: "0.0.0.0/0", gateway: "igw-0000000000000000f" }],
      subnets: [subnets[0]],
      tags: {},
    });
    // moto answers InvalidInternetGatewayID.NotFound; AWS says InvalidGatewayID.NotFound.
    await expect(createAndConfigure(table, ctx, wanted)).rejects.toMatchObject({ name: expect.stringMatching(/GatewayID\.NotFound$/) });
    // Routes come before associations: no subnet was moved onto a table without its routes.
    const [left] = await table.list(ctx);
    expect(left!.data.associations).toEqual([]);
    // The table carries its ownership, so the next plan updates it rather than making another.
    expect(left!.path).toBe(PATH);
    expect(table.observe(left!)).toMatchObject({ routes: [], subnets: [] });
  });

  test("lookup finds an existing table by id or by tags", async () => {
    const ctx = particleContext("s");
    const vpc = await createVpc();
    const out = await rawEc2.send(
      new CreateRouteTableCommand({
        VpcId: vpc,
        TagSpecifications: [{ ResourceType: "route-table", Tags: [{ Key: "shared", Value: "yes" }] }],
      }),
    );
    const id = out.RouteTable!.RouteTableId!;
    expect((await table.lookup(ctx, { id })).map((l) => l.id)).toEqual([id]);
    expect((await table.lookup(ctx, { tags: { shared: "yes" } })).map((l) => [l.id, l.path])).toEqual([[id, undefined]]);
    expect(await table.lookup(ctx, { id: "rtb-0123456789abcdef0" })).toEqual([]);
  });
});
