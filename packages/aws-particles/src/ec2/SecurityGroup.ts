import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  UpdateSecurityGroupRuleDescriptionsEgressCommand,
  UpdateSecurityGroupRuleDescriptionsIngressCommand,
  paginateDescribeSecurityGroups,
  type SecurityGroup as AwsSecurityGroup,
} from "@aws-sdk/client-ec2";
import type { Ref } from "@jiti/jsx-runtime";
import type { LiveResource } from "@jiti/reconciler";
import {
  checkFields,
  defineParticle,
  is,
  isPendingRef,
  type ParticleContext,
  type RefValue,
  type WithDefaults,
} from "@jiti/reconciler/particle";
import { createHash, randomBytes } from "node:crypto";
import { ec2, ec2Once } from "../aws/clients.js";
import { createOnce } from "../aws/create.js";
import { byIdOrTags, found, idOf } from "../aws/lookup.js";
import { attrsTag, readAttrs } from "../aws/attrs.js";
import { hasCode, ignoreCodes } from "../aws/errors.js";
import { retryOn, waitFor } from "../aws/wait.js";
import { ownedBy, stackFilter, syncEc2Tags, tagList, tagMap, tagSpecs, userTags, ownership, retagEc2 } from "../aws/tags.js";
import { groupRulePeers } from "../rules/group-rule-peers.js";
import { openIngress, publicRdp, publicSsh } from "../rules/world-ingress.js";
import {
  canonicalRules,
  diffRules,
  groupNameIssue,
  isCanonical,
  observedRules,
  duplicateRuleIssues,
  rulesIssue,
  textIssue,
  toPermission,
  type Direction,
} from "./_security-group-rules.js";
import { creating, describes, intoOwned, onOwned } from "../aws/grants.js";

/** The IP protocol of a rule: `all` is every protocol and port; only tcp and udp take `port` or `ports`. */
export type Protocol = "tcp" | "udp" | "icmp" | "all";

/** One end of a rule: an IPv4 block (`"0.0.0.0/0"`, `"10.0.0.0/16"`), a ref to a `<SecurityGroup>`, or an existing group's `"sg-…"` id. */
export type Peer = string | Ref<"aws.ec2.SecurityGroup">;

interface RuleBase {
  /** `"all"` allows every protocol and port. @default "tcp" */
  protocol?: Protocol;
  /** The port, for tcp and udp. */
  port?: number;
  /** A range of ports `[from, to]`, both included, for tcp and udp. */
  ports?: [number, number];
  /** Shown in the console beside the rule. */
  description?: string;
}

/** Traffic a group lets in: `{ port: 443, from: "0.0.0.0/0" }`. */
export interface IngressRule extends RuleBase {
  /** Where traffic may come from: one peer or several (each becomes its own rule). */
  from: Peer | Peer[];
}

/** Traffic a group lets out: `{ port: 5432, to: db }`. */
export interface EgressRule extends RuleBase {
  /** Where traffic may go: one peer or several. @default "0.0.0.0/0" */
  to?: Peer | Peer[];
}

/**
 * A rule as jiti compares it with AWS: one peer per rule, ports only for
 * protocols that have them. Rendered trees and plans show rules this way.
 */
export interface CanonicalRule {
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidr?: string;
  group?: string | RefValue;
  description?: string;
}

/** Props of `<SecurityGroup>`, written inside a `<Vpc>`. */
export interface SecurityGroupProps {
  /**
   * The VPC the group belongs to. Set by render from the enclosing `<Vpc>`;
   * there is no need to pass it. Moving it to another VPC **replaces** it.
   */
  vpc?: Ref<"aws.ec2.Vpc"> | string;
  /** What the group is for, up to 255 characters. AWS cannot change it: changing it **replaces** the group. @default "Managed by jiti" */
  description?: string;
  /**
   * The group's name in AWS, unique in its VPC. Changing it **replaces** the group.
   * @default `<stack>-<element name>-<random suffix>`: the suffix lets a replacement exist beside the group it replaces.
   * A derived name is never compared, so leaving groupName out never replaces a group;
   * removing a name that was set replaces the group with one of a derived name.
   */
  groupName?: string;
  /** Traffic allowed in, e.g. `[{ port: 443, from: "0.0.0.0/0" }]`. Updated in place: only differing rules are authorised or revoked. @default [] */
  ingress?: IngressRule[];
  /**
   * Traffic allowed out. Left out, AWS's default rule allowing all traffic
   * out is kept; `egress={[]}` removes it. Updated in place: only differing
   * rules are authorised or revoked. @default [{ protocol: "all", to: "0.0.0.0/0" }]
   */
  egress?: EgressRule[];
  /** Tags on the group, merged over the stack's tags. `Name` defaults to the stack and path. Updated in place. */
  tags?: Record<string, string>;
}

/** A security group as DescribeSecurityGroups reports it, its rules one peer each (`CanonicalRule`). */
export interface SecurityGroupData {
  vpc: string;
  name: string;
  description: string;
  ingress: CanonicalRule[];
  egress: CanonicalRule[];
  tags: Record<string, string>;
}

const TYPE = "aws.ec2.SecurityGroup";
const NOT_FOUND = ["InvalidGroup.NotFound"];
const DEFAULT_DESCRIPTION = "Managed by jiti";
const ALLOW_ALL_OUT: EgressRule = { protocol: "all", to: "0.0.0.0/0" };

// ---------------------------------------------------------------- AWS

function toLive(sg: AwsSecurityGroup): LiveResource<SecurityGroupData> {
  const tags = tagMap(sg.Tags);
  return {
    type: TYPE,
    id: sg.GroupId!,
    ...ownership(tags),
    data: {
      vpc: sg.VpcId ?? "",
      name: sg.GroupName ?? "",
      description: sg.Description ?? "",
      ingress: observedRules(sg.IpPermissions),
      egress: observedRules(sg.IpPermissionsEgress),
      tags,
    },
  };
}

async function describe(ctx: ParticleContext, id: string): Promise<AwsSecurityGroup | undefined> {
  try {
    const out = await ec2(ctx).send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }));
    return out.SecurityGroups?.[0];
  } catch (error) {
    // Just created, a group may not be visible yet (eventual consistency).
    if (hasCode(error, ...NOT_FOUND)) return undefined;
    throw error;
  }
}

/** The props render fills in when not given. */
type Defaulted = "description" | "ingress" | "egress";

function desiredRules(props: WithDefaults<SecurityGroupProps, Defaulted>, direction: Direction): CanonicalRule[] {
  const given = props[direction];
  const rules = canonicalRules(given, direction) as unknown[];
  if (!rules.every(isCanonical))
    throw new Error(`${direction} holds an invalid rule (found: ${JSON.stringify(given)}); render reports why`);
  // Rules naming a group that does not exist yet wait: the reconciler completes them with an update.
  return (rules as CanonicalRule[]).filter((r) => !isPendingRef(r.group));
}

/**
 * Authorises what is missing, updates changed descriptions, then revokes what
 * is no longer wanted: never revoke-all-then-add, so allowed traffic is never
 * cut off while a group changes.
 */
async function syncRules(
  ctx: ParticleContext,
  id: string,
  direction: Direction,
  live: readonly CanonicalRule[],
  desired: readonly CanonicalRule[],
) {
  const client = ec2(ctx);
  const { added, redescribed, removed } = diffRules(live, desired);
  const ingress = direction === "ingress";
  if (added.length > 0) {
    const authorize = (rules: readonly CanonicalRule[]) => {
      const input = { GroupId: id, IpPermissions: rules.map((r) => toPermission(r, "as is")) };
      return ingress
        ? client.send(new AuthorizeSecurityGroupIngressCommand(input))
        : client.send(new AuthorizeSecurityGroupEgressCommand(input));
    };
    try {
      await authorize(added);
    } catch (error) {
      // One of them is there already, and AWS then adds none of them: an
      // attempt whose reply was lost added them, or someone did by hand.
      // Add what is still missing, as AWS holds the group now.
      if (!hasCode(error, "InvalidPermission.Duplicate")) throw error;
      const now = await describe(ctx, id);
      const have = observedRules(ingress ? now?.IpPermissions : now?.IpPermissionsEgress);
      const missing = diffRules(have, desired).added;
      if (missing.length > 0) await authorize(missing);
    }
  }
  if (redescribed.length > 0) {
    const input = { GroupId: id, IpPermissions: redescribed.map((r) => toPermission(r, "explicit")) };
    if (ingress) await client.send(new UpdateSecurityGroupRuleDescriptionsIngressCommand(input));
    else await client.send(new UpdateSecurityGroupRuleDescriptionsEgressCommand(input));
  }
  if (removed.length > 0) {
    const input = { GroupId: id, IpPermissions: removed.map((r) => toPermission(r, "none")) };
    // InvalidPermission.NotFound: already revoked, which is what we want.
    await ignoreCodes(["InvalidPermission.NotFound"], () =>
      ingress ? client.send(new RevokeSecurityGroupIngressCommand(input)) : client.send(new RevokeSecurityGroupEgressCommand(input)),
    );
  }
}

/**
 * Brings the group's rules in `directions` to the desired ones, and answers
 * the group as AWS then holds it, without reading it back. Right after a
 * create, AWS may not show the group yet (eventual consistency).
 */
async function setRules(
  ctx: ParticleContext,
  live: LiveResource<SecurityGroupData>,
  props: WithDefaults<SecurityGroupProps, Defaulted>,
  directions: readonly Direction[],
): Promise<LiveResource<SecurityGroupData>> {
  const data = { ...live.data };
  for (const direction of directions) {
    const desired = desiredRules(props, direction);
    await retryOn(
      ctx,
      NOT_FOUND,
      `security group ${live.id} to be visible`,
      () => syncRules(ctx, live.id, direction, live.data[direction], desired),
      {
        timeoutMs: 60_000,
      },
    );
    data[direction] = [...desired];
  }
  return { ...live, data };
}

/** `<stack>-<name or path hash>-<suffix>`: unique, so a replacement can be created before the old group is deleted. */
function derivedName(stack: string, path: string, name: string | undefined): string {
  const element = name ?? createHash("sha256").update(path).digest("hex").slice(0, 8);
  return `${stack}-${element}-${randomBytes(3).toString("hex")}`.slice(0, 255);
}

/** A VPC security group: a stateful firewall for the instances that use it. */
export const SecurityGroup = defineParticle<SecurityGroupProps, SecurityGroupData, "aws.ec2.SecurityGroup", Defaulted>({
  type: TYPE,
  name: "SecurityGroup",
  parents: ["Vpc"],
  parentProp: "vpc",
  // Rules may name other groups; those are deleted after the groups that refer to them.
  references: ["SecurityGroup"],
  // Rules may name other groups, or the group itself: those are added once the named groups exist.
  weakRefs: ["ingress", "egress"],
  rules: [groupRulePeers, publicSsh, publicRdp, openIngress],
  nameTag: true,
  // A name the user fixed cannot be held by two groups of a VPC at once: the
  // old group goes first. A derived name has a suffix, so the new one can come first.
  replaceStrategy: (props) => (props.groupName === undefined ? "create-before-delete" : "delete-first"),
  uniqueBy: ["groupName"],
  props: { vpc: "replace", description: "replace", groupName: "replace", ingress: "update", egress: "update", tags: "update" },
  defaults: { description: DEFAULT_DESCRIPTION, ingress: [], egress: [ALLOW_ALL_OUT] },
  permissions: {
    list: [describes("ec2:DescribeSecurityGroups")],
    lookup: [describes("ec2:DescribeSecurityGroups")],
    // Finding the group a create whose reply was lost made.
    create: [
      ...creating("security-group", "ec2:CreateSecurityGroup"),
      intoOwned("vpc", "ec2:CreateSecurityGroup"),
      describes("ec2:DescribeSecurityGroups"),
    ],
    // Its rules (the default egress replaced by the desired one); reading it when a rule is found there already.
    configure: [
      onOwned("security-group", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress"),
      describes("ec2:DescribeSecurityGroups"),
    ],
    update: [
      onOwned(
        "security-group",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
        "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
        "ec2:CreateTags",
        "ec2:DeleteTags",
      ),
      describes("ec2:DescribeSecurityGroups"),
    ],
    // Rules naming other groups are let go of before the group is deleted.
    retag: [onOwned("security-group", "ec2:CreateTags", "ec2:DeleteTags")],
    delete: [
      onOwned("security-group", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:DeleteSecurityGroup"),
      describes("ec2:DescribeSecurityGroups"),
    ],
  },

  normalize(props) {
    // The canonical rules are the same data in another shape; the cast keeps the user-facing types simple.
    return {
      ...props,
      ...(props.ingress !== undefined ? { ingress: canonicalRules(props.ingress, "ingress") as IngressRule[] } : {}),
      ...(props.egress !== undefined ? { egress: canonicalRules(props.egress, "egress") as EgressRule[] } : {}),
    };
  },

  validate(props) {
    const issues = checkFields(props as never, {
      description: { check: textIssue(1, 'a description such as "web servers"') },
      groupName: { check: groupNameIssue },
      ingress: { check: rulesIssue("ingress") },
      egress: { check: rulesIssue("egress") },
      tags: { check: is.tags() },
    });
    for (const direction of ["ingress", "egress"] as const) {
      const rules: unknown = props[direction];
      if (Array.isArray(rules) && rules.every(isCanonical)) issues.push(...duplicateRuleIssues(rules, direction));
    }
    return issues;
  },

  retag: retagEc2,

  async list(ctx, options) {
    const out: LiveResource<SecurityGroupData>[] = [];
    for await (const page of paginateDescribeSecurityGroups({ client: ec2(ctx), pageSize: 1000 }, { Filters: stackFilter(ctx, options) })) {
      for (const sg of page.SecurityGroups ?? []) out.push(toLive(sg));
    }
    return out;
  },

  async lookup(ctx, existing) {
    return found(NOT_FOUND, async () =>
      (await ec2(ctx).send(new DescribeSecurityGroupsCommand(byIdOrTags("GroupIds", existing)))).SecurityGroups?.map(toLive),
    );
  },

  observe(live) {
    return {
      vpc: live.data.vpc,
      description: live.data.description,
      // A name jiti derived (recorded at create) is not the user's: report it
      // unset, so leaving groupName out never plans a change.
      groupName: readAttrs(live.data.tags).derivedName ? undefined : live.data.name,
      ingress: live.data.ingress,
      egress: live.data.egress,
      tags: userTags(live.data.tags),
    };
  },

  async create(ctx, desired) {
    const { props } = desired;
    const groupName = props.groupName ?? derivedName(ctx.stack, desired.path, desired.name);
    const extra = props.groupName === undefined ? attrsTag({ derivedName: true }) : {};
    const made = await createOnce<AwsSecurityGroup>(ctx, {
      what: `security group ${desired.path}`,
      send: async (token) => {
        const out = await ec2Once(ctx).send(
          new CreateSecurityGroupCommand({
            GroupName: groupName,
            Description: props.description,
            VpcId: idOf(props.vpc, "vpc"),
            TagSpecifications: tagSpecs("security-group", desired, { ...extra, ...token }),
          }),
        );
        // AWS starts every group with no ingress and the allow-all egress rule.
        return {
          GroupId: out.GroupId!,
          GroupName: groupName,
          Description: props.description,
          VpcId: idOf(props.vpc, "vpc"),
          IpPermissions: [],
          IpPermissionsEgress: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
          Tags: tagList({ ...desired.tags, ...extra, ...token }),
        };
      },
      find: async (token) =>
        (await ec2(ctx).send(new DescribeSecurityGroupsCommand({ Filters: ownedBy(ctx, desired.path, token) }))).SecurityGroups?.[0],
      // The name is taken in the VPC: by an attempt whose reply was lost, or by a group that is not this element's.
      exists: ["InvalidGroup.Duplicate"],
    });
    return toLive(made);
  },

  async configure(ctx, live, desired) {
    return setRules(ctx, live, desired.props, ["ingress", "egress"]);
  },

  async update(ctx, live, desired, changed) {
    const directions = (["ingress", "egress"] as const).filter((d) => changed.includes(d));
    const ruled = await setRules(ctx, live, desired.props, directions);
    if (!changed.includes("tags")) return ruled;
    const tags = await syncEc2Tags(ec2(ctx), live.id, live.data.tags, desired.tags);
    return { ...ruled, ...ownership(tags), data: { ...ruled.data, tags } };
  },

  async delete(ctx, live) {
    // Let go of the groups this one names first: two groups going together that
    // name each other would otherwise each wait for the other.
    const named = (rules: readonly CanonicalRule[]) => rules.filter((r) => r.group !== undefined);
    await ignoreCodes(NOT_FOUND, () => syncRules(ctx, live.id, "ingress", named(live.data.ingress), []));
    await ignoreCodes(NOT_FOUND, () => syncRules(ctx, live.id, "egress", named(live.data.egress), []));
    // DependencyViolation while network interfaces of terminated instances, or rules of other groups, still use it.
    await retryOn(ctx, ["DependencyViolation"], `security group ${live.id} to be unused`, () =>
      ignoreCodes(NOT_FOUND, () => ec2(ctx).send(new DeleteSecurityGroupCommand({ GroupId: live.id }))),
    );
  },

  outputs(live) {
    return { id: live.id };
  },
});
