import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  DeleteInternetGatewayCommand,
  DescribeInternetGatewaysCommand,
  DetachInternetGatewayCommand,
  paginateDescribeInternetGateways,
  type InternetGateway as AwsInternetGateway,
} from "@aws-sdk/client-ec2";
import type { Ref } from "@jiti/jsx-runtime";
import type { LiveResource } from "@jiti/reconciler";
import { checkFields, defineParticle, is, type ParticleContext } from "@jiti/reconciler/particle";
import { ec2, ec2Once } from "../aws/clients.js";
import { createOnce } from "../aws/create.js";
import { byIdOrTags, found, idOf } from "../aws/lookup.js";
import { hasCode, ignoreCodes } from "../aws/errors.js";
import { retryOn } from "../aws/wait.js";
import { ownedBy, stackFilter, syncEc2Tags, tagList, tagMap, tagSpecs, userTags, ownership, retagEc2 } from "../aws/tags.js";
import { creating, describes, intoOwned, onOwned } from "../aws/grants.js";

/** Props of `<InternetGateway>`, written inside a `<Vpc>` (one per VPC: AWS allows no more). */
export interface InternetGatewayProps {
  /**
   * The VPC the gateway is attached to. Set by render from the enclosing
   * `<Vpc>`; there is no need to pass it. Moving it to another VPC is
   * updated in place (detached, then attached).
   */
  vpc?: Ref<"aws.ec2.Vpc"> | string;
  /** Tags on the gateway, merged over the stack's tags. `Name` defaults to the stack and path. Updated in place. */
  tags?: Record<string, string>;
}

/** An internet gateway as DescribeInternetGateways reports it. */
export interface InternetGatewayData {
  /** The VPC it is attached to, or null when detached. */
  vpc: string | null;
  tags: Record<string, string>;
}

const TYPE = "aws.ec2.InternetGateway";
const NOT_FOUND = ["InvalidInternetGatewayID.NotFound"];
/**
 * AWS refuses to detach while addresses in the VPC are still mapped to
 * public ones (instances terminating, Elastic IPs being released).
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DetachInternetGateway.html
 */
const TRANSIENT = ["DependencyViolation"];

function toLive(igw: AwsInternetGateway): LiveResource<InternetGatewayData> {
  const tags = tagMap(igw.Tags);
  const attachment = igw.Attachments?.find((a) => a.VpcId && a.State !== "detached" && a.State !== "detaching");
  return {
    type: TYPE,
    id: igw.InternetGatewayId!,
    ...ownership(tags),
    status: attachment ? "attached" : "detached",
    data: { vpc: attachment?.VpcId ?? null, tags },
  };
}

async function describe(ctx: ParticleContext, id: string): Promise<AwsInternetGateway | undefined> {
  try {
    const out = await ec2(ctx).send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [id] }));
    return out.InternetGateways?.[0];
  } catch (error) {
    // Just created, a gateway may not be visible yet (eventual consistency).
    if (hasCode(error, ...NOT_FOUND)) return undefined;
    throw error;
  }
}

/**
 * Attaches the gateway, which AWS does at once. Right after its create AWS
 * may not know the id yet (eventual consistency); and a retried attach whose
 * first reply was lost finds the gateway attached already.
 */
async function attach(ctx: ParticleContext, id: string, vpc: string) {
  try {
    await retryOn(
      ctx,
      NOT_FOUND,
      `internet gateway ${id} to be attachable`,
      () => ec2(ctx).send(new AttachInternetGatewayCommand({ InternetGatewayId: id, VpcId: vpc })),
      { timeoutMs: 30_000 },
    );
  } catch (error) {
    if (!hasCode(error, "Resource.AlreadyAssociated")) throw error;
    const igw = await describe(ctx, id);
    if (!igw?.Attachments?.some((a) => a.VpcId === vpc)) throw error;
  }
}

/** The gateway as AWS holds it once attached to `vpc`. */
function attachedTo(live: LiveResource<InternetGatewayData>, vpc: string): LiveResource<InternetGatewayData> {
  return { ...live, status: "attached", data: { ...live.data, vpc } };
}

async function detach(ctx: ParticleContext, id: string, vpc: string) {
  await retryOn(ctx, TRANSIENT, `internet gateway ${id} to detach from ${vpc}`, () =>
    // Gateway.NotAttached: already detached, which is what we want.
    ignoreCodes([...NOT_FOUND, "Gateway.NotAttached"], () =>
      ec2(ctx).send(new DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId: vpc })),
    ),
  );
}

/**
 * An internet gateway, attached to the `<Vpc>` it is written in: a VPC's way
 * to the internet, for the subnets whose `<RouteTable>` routes to it.
 */
export const InternetGateway = defineParticle<InternetGatewayProps, InternetGatewayData, "aws.ec2.InternetGateway">({
  type: TYPE,
  name: "InternetGateway",
  parents: ["Vpc"],
  parentProp: "vpc",
  // A VPC takes one internet gateway: a renamed gateway in the same VPC waits for the old one to go.
  uniqueBy: ["vpc"],
  nameTag: true,
  props: { vpc: "update", tags: "update" },
  permissions: {
    list: [describes("ec2:DescribeInternetGateways")],
    lookup: [describes("ec2:DescribeInternetGateways")],
    create: [
      ...creating("internet-gateway", "ec2:CreateInternetGateway"),
      // Attaching it, and removing one that could not be attached.
      onOwned("internet-gateway", "ec2:AttachInternetGateway", "ec2:DeleteInternetGateway"),
      intoOwned("vpc", "ec2:AttachInternetGateway"),
      // Finding the gateway a create whose reply was lost made, or checking a retried attach.
      describes("ec2:DescribeInternetGateways"),
    ],
    update: [
      onOwned("internet-gateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway", "ec2:CreateTags", "ec2:DeleteTags"),
      intoOwned("vpc", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway"),
      describes("ec2:DescribeInternetGateways"),
    ],
    retag: [onOwned("internet-gateway", "ec2:CreateTags", "ec2:DeleteTags")],
    delete: [
      onOwned("internet-gateway", "ec2:DetachInternetGateway", "ec2:DeleteInternetGateway"),
      intoOwned("vpc", "ec2:DetachInternetGateway"),
      describes("ec2:DescribeInternetGateways"),
    ],
  },

  validate(props) {
    return checkFields(props as never, { tags: { check: is.tags() } });
  },

  retag: retagEc2,

  async list(ctx, options) {
    const out: LiveResource<InternetGatewayData>[] = [];
    for await (const page of paginateDescribeInternetGateways(
      { client: ec2(ctx), pageSize: 1000 },
      { Filters: stackFilter(ctx, options) },
    )) {
      for (const igw of page.InternetGateways ?? []) out.push(toLive(igw));
    }
    return out;
  },

  async lookup(ctx, existing) {
    return found(NOT_FOUND, async () =>
      (await ec2(ctx).send(new DescribeInternetGatewaysCommand(byIdOrTags("InternetGatewayIds", existing)))).InternetGateways?.map(toLive),
    );
  },

  observe(live) {
    return { vpc: live.data.vpc ?? undefined, tags: userTags(live.data.tags) };
  },

  async create(ctx, desired) {
    const vpc = idOf(desired.props.vpc, "vpc");
    const made = await createOnce(ctx, {
      what: `internet gateway ${desired.path}`,
      send: async (token) =>
        (await ec2Once(ctx).send(new CreateInternetGatewayCommand({ TagSpecifications: tagSpecs("internet-gateway", desired, token) })))
          .InternetGateway!,
      find: async (token) =>
        (await ec2(ctx).send(new DescribeInternetGatewaysCommand({ Filters: ownedBy(ctx, desired.path, token) }))).InternetGateways?.[0],
    });
    const id = made.InternetGatewayId!;
    // Routes to the gateway need it attached: that is part of making it.
    try {
      await attach(ctx, id, vpc);
    } catch (error) {
      // A gateway that could not be attached is of no use: remove it rather than leave it detached.
      await ignoreCodes(NOT_FOUND, () => ec2(ctx).send(new DeleteInternetGatewayCommand({ InternetGatewayId: id }))).catch(() => undefined);
      throw error;
    }
    return attachedTo(toLive({ ...made, Tags: made.Tags?.length ? made.Tags : tagList(desired.tags) }), vpc);
  },

  async update(ctx, live, desired, changed) {
    let next = live;
    if (changed.includes("vpc")) {
      const vpc = idOf(desired.props.vpc, "vpc");
      if (live.data.vpc !== vpc) {
        // An internet gateway is attached to at most one VPC at a time.
        if (live.data.vpc) await detach(ctx, live.id, live.data.vpc);
        await attach(ctx, live.id, vpc);
        next = attachedTo(next, vpc);
      }
    }
    if (changed.includes("tags")) {
      const tags = await syncEc2Tags(ec2(ctx), live.id, live.data.tags, desired.tags);
      next = { ...next, ...ownership(tags), data: { ...next.data, tags } };
    }
    return next;
  },

  async delete(ctx, live) {
    // Read the attachment afresh: it may have changed since the plan was made.
    const igw = await describe(ctx, live.id);
    if (!igw) return;
    for (const attachment of igw.Attachments ?? []) {
      if (attachment.VpcId) await detach(ctx, live.id, attachment.VpcId);
    }
    await retryOn(ctx, TRANSIENT, `internet gateway ${live.id} to have no dependencies`, () =>
      ignoreCodes(NOT_FOUND, () => ec2(ctx).send(new DeleteInternetGatewayCommand({ InternetGatewayId: live.id }))),
    );
  },

  outputs(live) {
    return { id: live.id };
  },
});
