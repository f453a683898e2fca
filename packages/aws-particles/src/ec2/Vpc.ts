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
import { checkFields, defineParticle, is, type LiveResource, type ParticleContext, type WithDefaults } from "@jiti/reconciler";
import { cidrIssue } from "../cidr.js";
import { ec2 } from "../aws/clients.js";
import { byIdOrTags, found } from "../aws/lookup.js";
import { hasCode, ignoreCodes } from "../aws/errors.js";
import { retryOn, waitFor } from "../aws/wait.js";
import { stackFilter, syncEc2Tags, tagList, tagMap, tagSpecs, userTags, ownership } from "../aws/tags.js";
import { readAttrs, attrsTag } from "../aws/attrs.js";
import { creating, describes, onOwned } from "../aws/grants.js";

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

function dnsOf(props: WithDefaults<VpcProps, Defaulted>) {
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

async function describe(ctx: ParticleContext, id: string) {
  const out = await ec2(ctx).send(new DescribeVpcsCommand({ VpcIds: [id] }));
  return out.Vpcs?.[0];
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

async function setDns(ctx: ParticleContext, id: string, props: WithDefaults<VpcProps, Defaulted>) {
  // One attribute per call: the API rejects both in one request.
  await ec2(ctx).send(new ModifyVpcAttributeCommand({ VpcId: id, EnableDnsSupport: { Value: props.dnsSupport } }));
  await ec2(ctx).send(new ModifyVpcAttributeCommand({ VpcId: id, EnableDnsHostnames: { Value: props.dnsHostnames } }));
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
    create: [
      ...creating("vpc", "ec2:CreateVpc"),
      onOwned("vpc", "ec2:ModifyVpcAttribute", "ec2:CreateTags"),
      describes("ec2:DescribeVpcs"),
    ],
    update: [onOwned("vpc", "ec2:ModifyVpcAttribute", "ec2:CreateTags", "ec2:DeleteTags"), describes("ec2:DescribeVpcs")],
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

  async list(ctx) {
    const out: LiveResource<VpcData>[] = [];
    for await (const page of paginateDescribeVpcs({ client: ec2(ctx), pageSize: 1000 }, { Filters: stackFilter(ctx) })) {
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
    // own defaults. A run killed before setDns then shows a DNS change to make.
    const out = await ec2(ctx).send(
      new CreateVpcCommand({ CidrBlock: desired.props.cidr, TagSpecifications: tagSpecs("vpc", desired, attrsTag(AWS_DEFAULTS)) }),
    );
    const id = out.Vpc!.VpcId!;
    await waitFor(ctx, `VPC ${id} to be available`, async () => {
      // Just created, the VPC may not be visible yet (eventual consistency).
      const v = await describe(ctx, id).catch((e: unknown) => (hasCode(e, ...NOT_FOUND) ? undefined : Promise.reject(e)));
      return v?.State === "available" ? v : undefined;
    });
    await setDns(ctx, id, desired.props);
    await ec2(ctx).send(new CreateTagsCommand({ Resources: [id], Tags: tagList(attrsTag(dnsOf(desired.props))) }));
    return toLive((await describe(ctx, id))!);
  },

  async update(ctx, live, desired, changed) {
    if (changed.includes("dnsSupport") || changed.includes("dnsHostnames")) await setDns(ctx, live.id, desired.props);
    await syncEc2Tags(ec2(ctx), live.id, live.data.tags, { ...desired.tags, ...attrsTag(dnsOf(desired.props)) });
    return toLive((await describe(ctx, live.id))!);
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
