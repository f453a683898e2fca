import {
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteVpcCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  ModifyVpcAttributeCommand,
  paginateDescribeVpcs,
  type Vpc as AwsVpc,
} from "@aws-sdk/client-ec2";
import type { LiveResource } from "@jiti/reconciler";
import { checkFields, defineParticle, is, type ParticleContext, type WithDefaults } from "@jiti/reconciler/particle";
import { cidrIssue } from "../cidr.js";
import { ec2, ec2Once } from "../aws/clients.js";
import { batchedRead } from "../aws/batch.js";
import { createOnce } from "../aws/create.js";
import { byIdOrTags, found } from "../aws/lookup.js";
import { hasCode, ignoreCodes } from "../aws/errors.js";
import { retryOn, waitFor } from "../aws/wait.js";
import { ownedBy, stackFilter, syncEc2Tags, tagList, tagMap, tagSpecs, userTags, ownership, retagEc2 } from "../aws/tags.js";
import { readAttrs, attrsTag } from "../aws/attrs.js";
import { creating, describes, onOwned } from "../aws/grants.js";

/** Props of `<Vpc>`: a change of `cidr` replaces the VPC and all it holds; the rest update in place. */
export interface VpcProps {
  /**
   * The VPC's IPv4 block, `/16` to `/28`, e.g. `"10.0.0.0/16"`.
   * Changing it **replaces** the VPC and everything in it.
   */
  cidr: string;
  /**
   * Resolve DNS names through the Amazon DNS server. Updated in place. A
   * change made outside jiti shows in a plan only with `--refresh-attrs`.
   * @default true
   */
  dnsSupport?: boolean;
  /**
   * Give instances with public addresses public DNS names. Updated in place.
   * A change made outside jiti shows in a plan only with `--refresh-attrs`.
   * @default true
   */
  dnsHostnames?: boolean;
  /** Tags on the VPC, merged over the stack's tags. `Name` defaults to the stack and path. Updated in place. */
  tags?: Record<string, string>;
}

/** A VPC as DescribeVpcs reports it: what a plan compares `VpcProps` with. */
export interface VpcData {
  cidr: string;
  state: string;
  isDefault: boolean;
  tags: Record<string, string>;
  /**
   * The DNS attributes as AWS has them, read by `refresh` (`--refresh-attrs`);
   * absent otherwise, and then the `jiti:attrs` tag says what jiti set.
   */
  dns?: { dnsSupport: boolean; dnsHostnames: boolean };
}

const NOT_FOUND = ["InvalidVpcID.NotFound"];

/** What a new VPC has before jiti sets anything: DNS support on, hostnames off. */
const AWS_DEFAULTS = { dnsSupport: true, dnsHostnames: false };

/** The props render fills in when not given. */
type Defaulted = "dnsSupport" | "dnsHostnames";

type Dns = { dnsSupport: boolean; dnsHostnames: boolean };

function dnsOf(props: WithDefaults<VpcProps, Defaulted>): Dns {
  return { dnsSupport: props.dnsSupport, dnsHostnames: props.dnsHostnames };
}

function toLive(vpc: AwsVpc): LiveResource<VpcData> {
  const tags = tagMap(vpc.Tags);
  return {
    type: "aws.ec2.Vpc",
    id: vpc.VpcId!,
    ...ownership(tags),
    status: vpc.State,
    data: { cidr: vpc.CidrBlock ?? "", state: vpc.State ?? "", isDefault: vpc.IsDefault ?? false, tags },
  };
}

/** Reads VPCs by id, those asked for together in one call; one AWS does not show yet is undefined. */
function vpcById(ctx: ParticleContext) {
  return batchedRead(ctx, "vpc", async (ids) => {
    const out = await ec2(ctx).send(new DescribeVpcsCommand({ Filters: [{ Name: "vpc-id", Values: ids }] }));
    return new Map((out.Vpcs ?? []).map((v) => [v.VpcId!, v]));
  });
}

/** The DNS attributes as AWS has them: one DescribeVpcAttribute per attribute, which is all the API takes. */
async function readDns(ctx: ParticleContext, id: string): Promise<VpcData["dns"]> {
  try {
    const [support, hostnames] = await Promise.all([
      ec2(ctx).send(new DescribeVpcAttributeCommand({ VpcId: id, Attribute: "enableDnsSupport" })),
      ec2(ctx).send(new DescribeVpcAttributeCommand({ VpcId: id, Attribute: "enableDnsHostnames" })),
    ]);
    return { dnsSupport: support.EnableDnsSupport?.Value ?? false, dnsHostnames: hostnames.EnableDnsHostnames?.Value ?? false };
  } catch (error) {
    // Deleted since it was listed: the plan goes by what was listed, and the apply finds it gone.
    if (hasCode(error, ...NOT_FOUND)) return undefined;
    throw error;
  }
}

/**
 * Sets the DNS attributes that differ from `from`, one per call (the API
 * refuses both in one request), in the order AWS accepts: hostnames need
 * support, so support is turned on first and off last. Right after a create
 * AWS may not show the VPC yet (eventual consistency).
 */
async function setDns(ctx: ParticleContext, id: string, to: Dns, from: Partial<Dns>) {
  const set = (attribute: "EnableDnsSupport" | "EnableDnsHostnames", value: boolean) =>
    retryOn(ctx, NOT_FOUND, `VPC ${id} to be visible`, () =>
      ec2(ctx).send(new ModifyVpcAttributeCommand({ VpcId: id, [attribute]: { Value: value } })),
    );
  if (to.dnsSupport && from.dnsSupport !== true) await set("EnableDnsSupport", true);
  if (to.dnsHostnames !== from.dnsHostnames) await set("EnableDnsHostnames", to.dnsHostnames);
  if (!to.dnsSupport && from.dnsSupport !== false) await set("EnableDnsSupport", false);
}

/** What jiti last set, from the attributes tag, or from AWS when `refresh` read it. */
function recordedDns(live: LiveResource<VpcData>): Partial<Dns> {
  if (live.data.dns) return live.data.dns;
  const attrs = readAttrs(live.data.tags);
  return {
    ...(typeof attrs.dnsSupport === "boolean" ? { dnsSupport: attrs.dnsSupport } : {}),
    ...(typeof attrs.dnsHostnames === "boolean" ? { dnsHostnames: attrs.dnsHostnames } : {}),
  };
}

/** The live VPC with the tags jiti has just set: what AWS holds, without reading it back. */
function withTags(live: LiveResource<VpcData>, tags: Record<string, string>): LiveResource<VpcData> {
  const { dns: _read, ...data } = live.data;
  return { ...live, ...ownership(tags), data: { ...data, tags } };
}

/** An Amazon VPC: the network every other EC2 particle lives in. */
export const Vpc = defineParticle<VpcProps, VpcData, "aws.ec2.Vpc", Defaulted>({
  type: "aws.ec2.Vpc",
  name: "Vpc",
  parents: ["Stack"],
  nameTag: true,
  props: { cidr: "replace", dnsSupport: "update", dnsHostnames: "update", tags: "update" },
  defaults: { dnsSupport: true, dnsHostnames: true },
  permissions: {
    list: [describes("ec2:DescribeVpcs")],
    lookup: [describes("ec2:DescribeVpcs")],
    refresh: [describes("ec2:DescribeVpcAttribute")],
    // Reading back: waiting until a new VPC is available, or finding the one a create whose reply was lost made.
    create: [...creating("vpc", "ec2:CreateVpc"), describes("ec2:DescribeVpcs")],
    configure: [onOwned("vpc", "ec2:ModifyVpcAttribute", "ec2:CreateTags")],
    update: [onOwned("vpc", "ec2:ModifyVpcAttribute", "ec2:CreateTags", "ec2:DeleteTags")],
    retag: [onOwned("vpc", "ec2:CreateTags", "ec2:DeleteTags")],
    delete: [onOwned("vpc", "ec2:DeleteVpc")],
  },
  validate(props) {
    const issues = checkFields(props as never, {
      cidr: { check: (v, n) => cidrIssue(v, n), required: true, example: '"10.0.0.0/16"' },
      dnsSupport: { check: is.boolean() },
      dnsHostnames: { check: is.boolean() },
      tags: { check: is.tags() },
    });
    if (props.dnsHostnames && props.dnsSupport === false) {
      issues.push({
        message: "dnsHostnames needs dnsSupport",
        found: { dnsSupport: false, dnsHostnames: true },
        fix: "Set dnsSupport, or dnsHostnames={false}",
      });
    }
    return issues;
  },

  retag: retagEc2,

  async list(ctx, options) {
    const out: LiveResource<VpcData>[] = [];
    for await (const page of paginateDescribeVpcs({ client: ec2(ctx), pageSize: 1000 }, { Filters: stackFilter(ctx, options) })) {
      for (const vpc of page.Vpcs ?? []) out.push(toLive(vpc));
    }
    return out;
  },

  async lookup(ctx, existing) {
    return found(NOT_FOUND, async () => (await ec2(ctx).send(new DescribeVpcsCommand(byIdOrTags("VpcIds", existing)))).Vpcs?.map(toLive));
  },

  async refresh(ctx, live) {
    const dns = await readDns(ctx, live.id);
    return dns ? { ...live, data: { ...live.data, dns } } : live;
  },

  observe(live) {
    // DescribeVpcs does not return the DNS attributes, and reading them is two
    // calls per VPC; jiti records what it set in a tag instead (see attrs.ts),
    // unless the run refreshed them.
    const dns = live.data.dns ?? readAttrs(live.data.tags);
    return {
      cidr: live.data.cidr,
      dnsSupport: dns.dnsSupport,
      dnsHostnames: dns.dnsHostnames,
      tags: userTags(live.data.tags),
    };
  },

  async create(ctx, desired) {
    // The attributes tag records only what has been applied: at create, AWS's
    // own defaults. A run stopped before configure then shows a DNS change to make.
    const tags = { ...desired.tags, ...attrsTag(AWS_DEFAULTS) };
    const vpc = await createOnce(ctx, {
      what: `VPC ${desired.path}`,
      send: async (token) => {
        const tagged = tagSpecs("vpc", desired, { ...attrsTag(AWS_DEFAULTS), ...token });
        return (await ec2Once(ctx).send(new CreateVpcCommand({ CidrBlock: desired.props.cidr, TagSpecifications: tagged }))).Vpc!;
      },
      find: async (token) => (await ec2(ctx).send(new DescribeVpcsCommand({ Filters: ownedBy(ctx, desired.path, token) }))).Vpcs?.[0],
    });
    const id = vpc.VpcId!;
    // AWS answers "pending" and turns "available" moments later; subnets wait for it.
    const available =
      vpc.State === "available"
        ? vpc
        : await waitFor(ctx, `VPC ${id} to be available`, async () => {
            const v = await vpcById(ctx)(id);
            return v?.State === "available" ? v : undefined;
          });
    return toLive({ ...available, Tags: available.Tags?.length ? available.Tags : tagList(tags) });
  },

  async configure(ctx, live, desired) {
    // Only what differs from a new VPC's: usually one call (DNS hostnames).
    const dns = dnsOf(desired.props);
    await setDns(ctx, live.id, dns, AWS_DEFAULTS);
    const recorded = attrsTag(dns);
    await retryOn(ctx, NOT_FOUND, `VPC ${live.id} to be visible`, () =>
      ec2(ctx).send(new CreateTagsCommand({ Resources: [live.id], Tags: tagList(recorded) })),
    );
    return withTags(live, { ...live.data.tags, ...recorded });
  },

  async update(ctx, live, desired, changed) {
    const dns = dnsOf(desired.props);
    if (changed.includes("dnsSupport") || changed.includes("dnsHostnames")) await setDns(ctx, live.id, dns, recordedDns(live));
    return withTags(live, await syncEc2Tags(ec2(ctx), live.id, live.data.tags, { ...desired.tags, ...attrsTag(dns) }));
  },

  async delete(ctx, live) {
    // DependencyViolation while the VPC's gateways and interfaces finish detaching.
    await retryOn(ctx, ["DependencyViolation"], `VPC ${live.id} to have no dependencies`, () =>
      ignoreCodes(NOT_FOUND, () => ec2(ctx).send(new DeleteVpcCommand({ VpcId: live.id }))),
    );
  },

  outputs(live) {
    return { id: live.id, cidr: live.data.cidr };
  },
});
