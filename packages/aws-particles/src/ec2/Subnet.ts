import {
  CreateSubnetCommand,
  DeleteSubnetCommand,
  DescribeAvailabilityZonesCommand,
  DescribeSubnetsCommand,
  ModifySubnetAttributeCommand,
  paginateDescribeSubnets,
  type Subnet as AwsSubnet,
} from "@aws-sdk/client-ec2";
import type { Ref } from "@jiti/jsx-runtime";
import type { Issue, LiveResource } from "@jiti/reconciler";
import { checkFields, defineParticle, is, type ParticleContext } from "@jiti/reconciler/particle";
import { cidrIssue } from "../cidr.js";
import { ec2, ec2Once } from "../aws/clients.js";
import { batchedRead } from "../aws/batch.js";
import { createOnce } from "../aws/create.js";
import { byIdOrTags, found, idOf } from "../aws/lookup.js";
import { hasCode, ignoreCodes } from "../aws/errors.js";
import { retryOn, waitFor } from "../aws/wait.js";
import { ownedBy, stackFilter, syncEc2Tags, tagList, tagMap, tagSpecs, userTags, ownership, retagEc2 } from "../aws/tags.js";
import { publicSubnetRoute } from "../rules/public-subnet-route.js";
import { subnetPlacement } from "../rules/subnet-placement.js";
import { creating, describes, intoOwned, onOwned } from "../aws/grants.js";

/** Props of `<Subnet>`, written inside a `<Vpc>`. */
export interface SubnetProps {
  /**
   * The VPC the subnet is in. Set by render from the enclosing `<Vpc>`;
   * there is no need to pass it. Moving the subnet to another VPC **replaces** it.
   */
  vpc?: Ref<"aws.ec2.Vpc"> | string;
  /**
   * The subnet's IPv4 block, `/16` to `/28`, inside the VPC's block and
   * overlapping no other subnet of the VPC, e.g. `"10.0.1.0/24"`.
   * Changing it **replaces** the subnet (deleting the old one first: AWS
   * refuses two subnets with the same block).
   */
  cidr: string;
  /**
   * The availability zone: its name (`"us-east-1a"`), or an index into the
   * region's zones sorted by name (`0` is the first), which keeps `stack.tsx`
   * region-independent. Changing the zone it resolves to **replaces** the subnet.
   * @default 0
   */
  zone?: string | number;
  /**
   * Give instances launched here a public IPv4 address (`MapPublicIpOnLaunch`).
   * A public subnet needs a `<RouteTable>` in the same `<Vpc>` that lists it in
   * `subnets` and routes `0.0.0.0/0` to an `<InternetGateway>`. Updated in place.
   * @default false
   */
  public?: boolean;
  /** Tags on the subnet, merged over the stack's tags. `Name` defaults to the stack and path. Updated in place. */
  tags?: Record<string, string>;
}

/** A subnet as DescribeSubnets reports it, with its zone by name. */
export interface SubnetData {
  vpc: string;
  cidr: string;
  zone: string;
  public: boolean;
  state: string;
  tags: Record<string, string>;
}

const TYPE = "aws.ec2.Subnet";
const NOT_FOUND = ["InvalidSubnetID.NotFound"];
/** `us-east-1a`, `us-gov-west-1b`, local zones such as `us-east-1-bos-1a`. */
const ZONE_NAME = /^[a-z]{2}(-[a-z0-9]+)*-\d+[a-z]$/;
const ZONES_CACHE = "aws.ec2.zones";

function toLive(subnet: AwsSubnet): LiveResource<SubnetData> {
  const tags = tagMap(subnet.Tags);
  return {
    type: TYPE,
    id: subnet.SubnetId!,
    ...ownership(tags),
    status: subnet.State,
    data: {
      vpc: subnet.VpcId ?? "",
      cidr: subnet.CidrBlock ?? "",
      zone: subnet.AvailabilityZone ?? "",
      public: subnet.MapPublicIpOnLaunch ?? false,
      state: subnet.State ?? "",
      tags,
    },
  };
}

/** Reads subnets by id, those asked for together in one call; one AWS does not show yet is undefined. */
function subnetById(ctx: ParticleContext) {
  return batchedRead(ctx, "subnet", async (ids) => {
    const out = await ec2(ctx).send(new DescribeSubnetsCommand({ Filters: [{ Name: "subnet-id", Values: ids }] }));
    return new Map((out.Subnets ?? []).map((subnet) => [subnet.SubnetId!, subnet]));
  });
}

function zoneNames(ctx: ParticleContext): Promise<string[]> {
  let zones = ctx.cache.get(ZONES_CACHE) as Promise<string[]> | undefined;
  if (!zones) {
    // Local and Wavelength zones are left out: opting into one would shift every index.
    const request = ec2(ctx).send(
      new DescribeAvailabilityZonesCommand({ Filters: [{ Name: "zone-type", Values: ["availability-zone"] }] }),
    );
    zones = request.then((out) =>
      (out.AvailabilityZones ?? [])
        .map((z) => z.ZoneName!)
        .filter(Boolean)
        .sort(),
    );
    // A failed read is not cached: the next caller asks again.
    zones.catch(() => ctx.cache.delete(ZONES_CACHE));
    ctx.cache.set(ZONES_CACHE, zones);
  }
  return zones;
}

async function zoneName(ctx: ParticleContext, zone: string | number): Promise<string> {
  const zones = await zoneNames(ctx);
  if (typeof zone === "string") {
    // Checked here, with the zones already read, so that a zone of another
    // region fails before any change rather than half way through an apply.
    if (!zones.includes(zone)) {
      const region = await ec2(ctx).config.region();
      throw new Error(
        `zone "${zone}" is not an availability zone of region ${region} (${zones.join(", ")}). Use one of those, or an index from 0 to ${zones.length - 1}`,
      );
    }
    return zone;
  }
  const name = zones[zone];
  if (name === undefined) {
    const region = await ec2(ctx).config.region();
    throw new Error(
      `zone ${zone} is out of range: region ${region} has ${zones.length} availability zones (${zones.join(", ")}). ` +
        `Use an index from 0 to ${zones.length - 1}, or a zone name`,
    );
  }
  return name;
}

async function setPublic(ctx: ParticleContext, id: string, value: boolean) {
  // Right after its create, AWS may not show the subnet yet (eventual consistency).
  await retryOn(ctx, NOT_FOUND, `subnet ${id} to be visible`, () =>
    ec2(ctx).send(new ModifySubnetAttributeCommand({ SubnetId: id, MapPublicIpOnLaunch: { Value: value } })),
  );
}

/** Describes until AWS shows what was just applied: state available and the public flag set. */
function waitUsable(ctx: ParticleContext, id: string, isPublic: boolean) {
  return waitFor(ctx, `subnet ${id} to be available`, async () => {
    const subnet = await subnetById(ctx)(id);
    return subnet?.State === "available" && (subnet.MapPublicIpOnLaunch ?? false) === isPublic ? subnet : undefined;
  });
}

/** An IPv4 subnet of a VPC in one availability zone. */
export const Subnet = defineParticle<SubnetProps, SubnetData, "aws.ec2.Subnet", "zone" | "public">({
  type: TYPE,
  name: "Subnet",
  parents: ["Vpc"],
  parentProp: "vpc",
  nameTag: true,
  props: { vpc: "replace", cidr: "replace", zone: "replace", public: "update", tags: "update" },
  defaults: { zone: 0, public: false },
  permissions: {
    list: [describes("ec2:DescribeSubnets")],
    lookup: [describes("ec2:DescribeSubnets")],
    resolve: [describes("ec2:DescribeAvailabilityZones")],
    create: [
      ...creating("subnet", "ec2:CreateSubnet"),
      intoOwned("vpc", "ec2:CreateSubnet"),
      onOwned("subnet", "ec2:ModifySubnetAttribute"),
      // Waiting until it is available, finding the one a create whose reply was lost made, and the zones.
      describes("ec2:DescribeSubnets", "ec2:DescribeAvailabilityZones"),
    ],
    update: [onOwned("subnet", "ec2:ModifySubnetAttribute", "ec2:CreateTags", "ec2:DeleteTags"), describes("ec2:DescribeSubnets")],
    retag: [onOwned("subnet", "ec2:CreateTags", "ec2:DeleteTags")],
    delete: [onOwned("subnet", "ec2:DeleteSubnet")],
  },
  // AWS refuses a second subnet with the same block, so the old one goes first.
  replaceStrategy: "delete-first",
  // A VPC holds one subnet per block: a renamed subnet keeping its block waits for the old one.
  uniqueBy: ["cidr"],
  rules: [subnetPlacement, publicSubnetRoute],

  validate(props) {
    const issues = checkFields(props as never, {
      cidr: { check: (v, n) => cidrIssue(v, n), required: true, example: '"10.0.1.0/24"' },
      zone: { check: zoneIssue },
      public: { check: is.boolean() },
      tags: { check: is.tags() },
    });
    return issues;
  },

  async resolve(ctx, props) {
    // An index becomes the zone's name; a name is checked against the region's zones.
    return { ...props, zone: await zoneName(ctx, props.zone) };
  },

  retag: retagEc2,

  async list(ctx, options) {
    const out: LiveResource<SubnetData>[] = [];
    for await (const page of paginateDescribeSubnets({ client: ec2(ctx), pageSize: 1000 }, { Filters: stackFilter(ctx, options) })) {
      for (const subnet of page.Subnets ?? []) out.push(toLive(subnet));
    }
    return out;
  },

  async lookup(ctx, existing) {
    return found(NOT_FOUND, async () =>
      (await ec2(ctx).send(new DescribeSubnetsCommand(byIdOrTags("SubnetIds", existing)))).Subnets?.map(toLive),
    );
  },

  observe(live) {
    return {
      vpc: live.data.vpc,
      cidr: live.data.cidr,
      zone: live.data.zone,
      public: live.data.public,
      tags: userTags(live.data.tags),
    };
  },

  async create(ctx, desired) {
    const isPublic = desired.props.public;
    const made = await createOnce(ctx, {
      what: `subnet ${desired.path}`,
      send: async (token) =>
        (
          await ec2Once(ctx).send(
            new CreateSubnetCommand({
              VpcId: idOf(desired.props.vpc, "vpc"),
              CidrBlock: desired.props.cidr,
              // resolve() has normally turned an index into a name already; the cache makes this free.
              AvailabilityZone: await zoneName(ctx, desired.props.zone),
              TagSpecifications: tagSpecs("subnet", desired, token),
            }),
          )
        ).Subnet!,
      find: async (token) => (await ec2(ctx).send(new DescribeSubnetsCommand({ Filters: ownedBy(ctx, desired.path, token) }))).Subnets?.[0],
      // The block is taken: by an attempt whose reply was lost, or by a subnet that is not this element's.
      exists: ["InvalidSubnet.Conflict"],
    });
    const id = made.SubnetId!;
    // CreateSubnet has no MapPublicIpOnLaunch parameter: it is an attribute set
    // afterwards, before instances launch in the subnet (they take it at launch).
    if (isPublic && !made.MapPublicIpOnLaunch) await setPublic(ctx, id, true);
    const usable =
      made.State === "available" && (made.MapPublicIpOnLaunch ?? false) === isPublic ? made : await waitUsable(ctx, id, isPublic);
    return toLive({ ...usable, Tags: usable.Tags?.length ? usable.Tags : tagList(desired.tags) });
  },

  async update(ctx, live, desired, changed) {
    const isPublic = desired.props.public;
    let data = live.data;
    if (changed.includes("public")) {
      await setPublic(ctx, live.id, isPublic);
      data = toLive(await waitUsable(ctx, live.id, isPublic)).data;
    }
    if (changed.includes("tags")) {
      data = { ...data, tags: await syncEc2Tags(ec2(ctx), live.id, live.data.tags, desired.tags) };
    }
    return { ...live, ...ownership(data.tags), data };
  },

  async delete(ctx, live) {
    // DependencyViolation while the network interfaces of terminated instances are released.
    await retryOn(ctx, ["DependencyViolation"], `subnet ${live.id} to have no dependencies`, () =>
      ignoreCodes(NOT_FOUND, () => ec2(ctx).send(new DeleteSubnetCommand({ SubnetId: live.id }))),
    );
  },

  outputs(live) {
    return { id: live.id, cidr: live.data.cidr, zone: live.data.zone, vpc: live.data.vpc };
  },
});

function zoneIssue(value: unknown, name: string): Issue | undefined {
  if (typeof value === "number") return is.integer({ min: 0, what: "an index into the region's zones sorted by name" })(value, name);
  if (typeof value === "string") {
    return is.string({
      pattern: ZONE_NAME,
      what: 'an availability zone name such as "us-east-1a"',
      example: '"us-east-1a", or an index such as 0',
    })(value, name);
  }
  return {
    message: `${name} must be a zone name or an index into the region's zones`,
    found: value,
    fix: 'Use a name such as "us-east-1a", or an index such as 0',
  };
}
