/**
 * The VPC particle against moto 5.2.1 through the real SDK. DescribeVpcs
 * does not return the DNS attributes, so the particle records what it set in
 * a `jiti:attrs` tag; these tests read the attributes themselves with
 * DescribeVpcAttribute.
 */
import { CreateVpcCommand, DescribeVpcAttributeCommand, DescribeVpcsCommand, ModifyVpcAttributeCommand } from "@aws-sdk/client-ec2";
import { jsx } from "@jiti/jsx-runtime";
import { apply, plan, Stack } from "@jiti/reconciler";
import { particleOf, type ParticleContext } from "@jiti/reconciler/particle";
import { countCalls, useMoto } from "@jiti/testkit";
import { describe, expect, test } from "vitest";
import { ec2Once } from "../src/aws/clients.js";
import { Vpc, type VpcProps } from "../src/ec2/Vpc.js";
import { desired, particleContext, createAndConfigure } from "./context.js";
import { createVpc, injectOnce, rawEc2, tagsOf } from "./ec2-network.js";

const moto = useMoto();
const vpc = particleOf(Vpc)!;
const PATH = "Vpc:main";

/** Props as render hands them to create: defaults applied, the readable Name tag. */
function props(overrides: Partial<VpcProps> = {}): VpcProps {
  return { ...vpc.defaults, cidr: "10.0.0.0/16", tags: { Name: "s/main", team: "net" }, ...overrides } as VpcProps;
}

async function rawVpc(id: string) {
  const out = await rawEc2.send(new DescribeVpcsCommand({ VpcIds: [id] }));
  return out.Vpcs![0]!;
}

/** The DNS attributes as AWS holds them, one call each. */
async function rawDns(id: string) {
  const [support, hostnames] = await Promise.all([
    rawEc2.send(new DescribeVpcAttributeCommand({ VpcId: id, Attribute: "enableDnsSupport" })),
    rawEc2.send(new DescribeVpcAttributeCommand({ VpcId: id, Attribute: "enableDnsHostnames" })),
  ]);
  return { dnsSupport: support.EnableDnsSupport?.Value, dnsHostnames: hostnames.EnableDnsHostnames?.Value };
}

/** What a second plan compares: the one VPC `list` finds, observed. */
async function observed(ctx: ParticleContext) {
  const listed = await vpc.list(ctx);
  expect(listed).toHaveLength(1);
  return vpc.observe(listed[0]!);
}

describe("Vpc particle", () => {
  test("declares how each prop changes: the block replaces, DNS and tags update in place", () => {
    expect(vpc.type).toBe("aws.ec2.Vpc");
    expect(vpc.parents).toEqual(["Stack"]);
    expect(vpc.props).toEqual({ cidr: "replace", dnsSupport: "update", dnsHostnames: "update", tags: "update" });
    expect(vpc.defaults).toEqual({ dnsSupport: true, dnsHostnames: true });
    expect(vpc.nameTag).toBe(true);
  });

  test("create with ownership in the create call, list, observe, update each prop in place, delete", async () => {
    const ctx = particleContext("s");
    // Creates go through the client that leaves retries to createOnce.
    const sent = countCalls(ec2Once(ctx));
    const live = await createAndConfigure(vpc, ctx, desired(ctx, PATH, props()));

    // Ownership is set by the create call itself: never a moment without the tags.
    expect(sent.inputs("CreateVpc")).toEqual([
      {
        CidrBlock: "10.0.0.0/16",
        TagSpecifications: [
          {
            ResourceType: "vpc",
            Tags: expect.arrayContaining([
              { Key: "jiti:stack", Value: "s" },
              { Key: "jiti:path", Value: PATH },
              { Key: "Name", Value: "s/main" },
              { Key: "team", Value: "net" },
            ]),
          },
        ],
      },
    ]);
    const raw = await rawVpc(live.id);
    expect(raw).toMatchObject({ CidrBlock: "10.0.0.0/16", State: "available", IsDefault: false });
    expect(tagsOf(raw.Tags)).toMatchObject({ "jiti:stack": "s", "jiti:path": PATH, Name: "s/main", team: "net" });
    // AWS gives a new VPC DNS support but no hostnames; the defaults ask for both.
    expect(await rawDns(live.id)).toEqual({ dnsSupport: true, dnsHostnames: true });
    expect(vpc.outputs(live)).toEqual({ id: live.id, cidr: "10.0.0.0/16" });

    // Neither another stack's VPC nor the default VPC is listed, in one call.
    await rawEc2.send(
      new CreateVpcCommand({
        CidrBlock: "10.1.0.0/16",
        TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "jiti:stack", Value: "other" }] }],
      }),
    );
    const before = (await moto.calls()).length;
    const listed = await vpc.list(ctx);
    expect(await moto.operations(before)).toEqual(["DescribeVpcs"]);
    expect(listed.map((l) => [l.id, l.path, l.stack])).toEqual([[live.id, PATH, "s"]]);
    expect(vpc.observe(listed[0]!)).toEqual(props());

    // dnsHostnames, in place.
    const noHostnames = props({ dnsHostnames: false });
    const first = await vpc.update(ctx, listed[0]!, desired(ctx, PATH, noHostnames), ["dnsHostnames"]);
    expect(first.id).toBe(live.id);
    expect(await rawDns(live.id)).toEqual({ dnsSupport: true, dnsHostnames: false });
    expect(await observed(ctx)).toEqual(noHostnames);

    // dnsSupport, in place.
    const noDns = props({ dnsSupport: false, dnsHostnames: false });
    const second = await vpc.update(ctx, first, desired(ctx, PATH, noDns), ["dnsSupport"]);
    expect(second.id).toBe(live.id);
    expect(await rawDns(live.id)).toEqual({ dnsSupport: false, dnsHostnames: false });
    expect(await observed(ctx)).toEqual(noDns);

    // tags: changed and removed, ownership kept.
    const renamed = props({ dnsSupport: false, dnsHostnames: false, tags: { Name: "renamed" } });
    const third = await vpc.update(ctx, second, desired(ctx, PATH, renamed), ["tags"]);
    expect(third.id).toBe(live.id);
    const retagged = tagsOf((await rawVpc(live.id)).Tags);
    expect(retagged).toMatchObject({ "jiti:stack": "s", "jiti:path": PATH, Name: "renamed" });
    expect(retagged).not.toHaveProperty("team");
    expect(await observed(ctx)).toEqual(renamed);
    expect(await rawDns(live.id)).toEqual({ dnsSupport: false, dnsHostnames: false });

    await vpc.delete(ctx, third);
    await expect(rawVpc(live.id)).rejects.toMatchObject({ name: "InvalidVpcID.NotFound" });
    expect(await vpc.list(ctx)).toEqual([]);
    // Idempotent: deleting what is gone is not an error.
    await expect(vpc.delete(ctx, third)).resolves.toBeUndefined();
  });

  test("refresh reads the DNS attributes, two calls, so observe reports what AWS has rather than what jiti set", async () => {
    const ctx = particleContext("s");
    const live = await createAndConfigure(vpc, ctx, desired(ctx, PATH, props()));
    await rawEc2.send(new ModifyVpcAttributeCommand({ VpcId: live.id, EnableDnsHostnames: { Value: false } }));
    const [listed] = await vpc.list(ctx);
    // Without refresh, what the jiti:attrs tag recorded.
    expect(vpc.observe(listed!)).toEqual(props());
    const before = (await moto.calls()).length;
    const refreshed = await vpc.refresh!(ctx, listed!);
    expect(await moto.operations(before)).toEqual(["DescribeVpcAttribute", "DescribeVpcAttribute"]);
    expect(vpc.observe(refreshed)).toEqual(props({ dnsHostnames: false }));
    // A VPC gone since it was listed is left as listed.
    await vpc.delete(ctx, live);
    expect(await vpc.refresh!(ctx, listed!)).toEqual(listed);
  });

  test("a create cut short before the DNS settings observes AWS's defaults, so the next plan sets them", async () => {
    const ctx = particleContext("s");
    injectOnce(ctx, "ModifyVpcAttribute", "InternalError");
    await expect(createAndConfigure(vpc, ctx, desired(ctx, PATH, props()))).rejects.toMatchObject({ code: "InternalError" });
    expect(await observed(ctx)).toEqual(props({ dnsSupport: true, dnsHostnames: false }));
  });

  test("a cidr change replaces the VPC: a new one with the new block, the old one gone", async () => {
    const stack = (cidr: string) => jsx(Stack, { name: "s", children: jsx(Vpc, { name: "main", cidr }) });
    const run = { particles: [vpc] };
    const first = await apply(stack("10.0.0.0/16"), run);
    const oldId = first.outputs[PATH]!.id as string;

    const { plan: replace } = await plan(stack("10.1.0.0/16"), run);
    expect(replace.actions.map((a) => [a.path, a.action, a.forcedBy])).toEqual([[PATH, "replace", ["cidr"]]]);

    const second = await apply(stack("10.1.0.0/16"), run);
    const newId = second.outputs[PATH]!.id as string;
    expect(newId).not.toBe(oldId);
    expect((await rawVpc(newId)).CidrBlock).toBe("10.1.0.0/16");
    await expect(rawVpc(oldId)).rejects.toMatchObject({ name: "InvalidVpcID.NotFound" });
  });

  test("lookup finds an existing VPC by id or by tags, owned by no stack", async () => {
    const ctx = particleContext("s");
    const out = await rawEc2.send(
      new CreateVpcCommand({
        CidrBlock: "10.9.0.0/16",
        TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "shared", Value: "yes" }] }],
      }),
    );
    const id = out.Vpc!.VpcId!;
    await createVpc("10.8.0.0/16");

    expect((await vpc.lookup(ctx, { id })).map((l) => vpc.outputs(l))).toEqual([{ id, cidr: "10.9.0.0/16" }]);
    expect((await vpc.lookup(ctx, { tags: { shared: "yes" } })).map((l) => [l.id, l.path, l.stack])).toEqual([[id, undefined, undefined]]);
    expect(await vpc.lookup(ctx, { id: "vpc-0123456789abcdef0" })).toEqual([]);
    expect(await vpc.lookup(ctx, { tags: { shared: "no" } })).toEqual([]);
  });
});
