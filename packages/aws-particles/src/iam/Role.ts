import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  paginateListAttachedRolePolicies,
  paginateListInstanceProfilesForRole,
  paginateListRolePolicies,
  paginateListRoles,
  type Role as AwsRole,
  type Tag,
} from "@aws-sdk/client-iam";
import {
  checkFields,
  defineParticle,
  is,
  type Desired,
  type Issue,
  type JsonObject,
  type LiveResource,
  type ParticleContext,
  type WithDefaults,
} from "@jiti/reconciler";
import { iam } from "../aws/clients.js";
import { iamNameCase } from "../rules/iam-name-case.js";
import { iamActionFormat, iamServiceWildcard, iamWildcardAction, iamWildcardResource, trustAnyPrincipal } from "../rules/iam-policies.js";
import { hasCode, ignoreCodes } from "../aws/errors.js";
import { PATH_TAG, STACK_TAG, tagMap, userTags, ownership } from "../aws/tags.js";
import { retryOn, waitFor } from "../aws/wait.js";
import {
  NAME_LIMIT,
  createdFor,
  iamName,
  iamPath,
  iamTags,
  mapLimit,
  ownedBy,
  roleDetails,
  sortedKeys,
  iamTagsCheck,
  tagChanges,
} from "./_iam.js";
import {
  canonicalPolicy,
  isInlinePolicies,
  isObject,
  isPolicy,
  isServices,
  parsePolicy,
  policyText,
  samePolicy,
  trustPolicyFor,
  type PolicyDocument,
} from "./_policy.js";
import { anywhere, onStackRoles } from "../aws/grants.js";

export type { PolicyDocument, PolicyStatement } from "./_policy.js";

export interface RoleProps {
  /**
   * The AWS service (or services) that may assume the role, e.g.
   * `"ec2.amazonaws.com"` for instances. Builds the trust policy; use
   * `trustPolicy` instead for anything else. Set this or `trustPolicy`, not
   * both. Updated in place.
   */
  assumedBy?: string | string[];
  /**
   * The full trust policy: who may assume the role, under which conditions.
   * Set this or `assumedBy`, not both. Updated in place.
   */
  trustPolicy?: PolicyDocument;
  /**
   * Policies embedded in the role, by name: `{ "read-assets": { Version: "2012-10-17", Statement: [...] } }`.
   * At most 10,240 characters together. Only the policies that changed are
   * put or deleted. Updated in place. @default {}
   */
  inlinePolicies?: Record<string, PolicyDocument>;
  /**
   * ARNs of managed policies to attach, AWS's (`"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"`)
   * or the account's (`"arn:aws:iam::123456789012:policy/team/read-assets"`).
   * Only the difference is attached or detached. Updated in place. @default []
   */
  managedPolicies?: string[];
  /** What the role is for, up to 1,000 characters. Updated in place. */
  description?: string;
  /**
   * How long, in seconds, a session of the role lasts at most: 3600 (one hour)
   * to 43200 (12 hours). Updated in place. @default 3600
   */
  maxSessionDuration?: number;
  /** Tags on the role, merged over the stack's tags. Updated in place. */
  tags?: Record<string, string>;
}

/** An instance profile the role is in, with the IAM path that tells whether jiti owns it. */
export interface RoleProfileRef {
  name: string;
  path: string;
}

export interface RoleData {
  name: string;
  arn: string;
  /** IAM path: `/jiti/<stack>/` for the roles jiti creates. */
  path: string;
  trustPolicy: JsonObject;
  inlinePolicies: Record<string, JsonObject>;
  managedPolicies: string[];
  /** "" when there is none. */
  description: string;
  maxSessionDuration: number;
  tags: Record<string, string>;
  instanceProfiles: RoleProfileRef[];
}

const TYPE = "aws.iam.Role";
const NOT_FOUND = ["NoSuchEntity"];
const MANAGED_POLICY_ARN = /^arn:aws(-[a-z]+)*:iam::(\d{12}|aws):policy\/([\w+=,.@-]+\/)*[\w+=,.@-]+$/;
/** IAM's character set for role descriptions. */
const DESCRIPTION = /^[\t\n\r\x20-\x7E\xA1-\xFF]*$/;
/** IAM allows 50 tags per role; jiti's own `jiti:stack` and `jiti:path` take two. */
const MAX_USER_TAGS = 48;

/** The props render fills in when not given. */
type Defaulted = "inlinePolicies" | "managedPolicies" | "maxSessionDuration";
/** A role's props as render hands them over. */
type RenderedRoleProps = WithDefaults<RoleProps, Defaulted>;

const STACK_ROLES = "arn:aws:iam::${account}:role/jiti/${stack}/*";
const ACCOUNT_READS = "IAM's ListRoles and GetAccountAuthorizationDetails take no resource: AWS allows them on * only.";
/** Reading one role in full. */
const ROLE_READS = [
  "iam:GetRole",
  "iam:ListRolePolicies",
  "iam:GetRolePolicy",
  "iam:ListAttachedRolePolicies",
  "iam:ListInstanceProfilesForRole",
];
/** Setting a role's policies. */
const ROLE_WRITES = ["iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy"];

// ---------------------------------------------------------------- validation

function validate(props: RenderedRoleProps): Issue[] {
  const issues = checkFields(props as never, {
    assumedBy: { check: isServices },
    trustPolicy: { check: isPolicy("trust") },
    inlinePolicies: { check: isInlinePolicies },
    managedPolicies: {
      check: is.arrayOf(
        is.string({
          pattern: MANAGED_POLICY_ARN,
          what: "a managed policy ARN",
          example: '"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"',
        }),
        { maxItems: 20 },
      ),
    },
    description: {
      check: is.string({
        maxLength: 1000,
        pattern: DESCRIPTION,
        what: "printable text",
        example: '"Lets the web servers read the assets bucket"',
      }),
    },
    maxSessionDuration: { check: is.integer({ min: 3600, max: 43200, what: "seconds" }) },
    tags: { check: iamTagsCheck() },
  });
  if (props.assumedBy !== undefined && props.trustPolicy !== undefined) {
    issues.push({
      message: "assumedBy and trustPolicy both say who may assume the role",
      found: { assumedBy: props.assumedBy },
      fix: "Keep one: assumedBy for AWS services, trustPolicy for anything else",
    });
  } else if (props.assumedBy === undefined && props.trustPolicy === undefined) {
    issues.push({
      message: "assumedBy or trustPolicy is required: who may assume the role",
      fix: 'Set assumedBy="ec2.amazonaws.com" for instances, or a full trustPolicy',
    });
  }
  const userTagCount = Object.keys(props.tags ?? {}).length;
  if (userTagCount > MAX_USER_TAGS) {
    issues.push({
      message: `tags may hold at most ${MAX_USER_TAGS} tags on an IAM role (IAM's 50 less jiti's own two)`,
      found: userTagCount,
      fix: "Remove tags, or set some of them on the stack's other resources only",
    });
  }
  return issues;
}

/**
 * Canonical props: `assumedBy` becomes the trust policy it stands for, every
 * document takes the canonical form of `_policy.ts`, managed policy ARNs are
 * sorted without duplicates. Malformed values are left for `validate`.
 */
function normalize(props: RenderedRoleProps): RenderedRoleProps {
  const out: RenderedRoleProps = { ...props };
  if (out.trustPolicy === undefined && isServices(out.assumedBy, "assumedBy") === undefined) {
    out.trustPolicy = asDocument(trustPolicyFor(out.assumedBy!));
    delete out.assumedBy;
  } else if (isObject(out.trustPolicy)) {
    out.trustPolicy = asDocument(canonicalPolicy(out.trustPolicy as unknown as JsonObject));
  }
  if (isObject(out.inlinePolicies)) {
    out.inlinePolicies = Object.fromEntries(
      Object.keys(out.inlinePolicies)
        .sort()
        .map((k) => {
          const document = out.inlinePolicies![k];
          return [k, isObject(document) ? asDocument(canonicalPolicy(document as unknown as JsonObject)) : document!];
        }),
    );
  }
  if (Array.isArray(out.managedPolicies) && out.managedPolicies.every((a) => typeof a === "string")) {
    out.managedPolicies = [...new Set(out.managedPolicies)].sort();
  }
  if (out.description === "") delete out.description;
  if (isObject(out.tags)) out.tags = sortedKeys(out.tags);
  return out;
}

// ---------------------------------------------------------------- reading

function asDocument(document: JsonObject): PolicyDocument {
  return document as unknown as PolicyDocument;
}

function toLive(
  role: AwsRole,
  parts: { tags: Tag[] | undefined; inline: Record<string, JsonObject>; managed: string[]; profiles: RoleProfileRef[] },
): LiveResource<RoleData> {
  const tags = tagMap(parts.tags);
  return {
    type: TYPE,
    id: role.RoleName!,
    ...ownership(tags),
    data: {
      name: role.RoleName!,
      arn: role.Arn ?? "",
      path: role.Path ?? "/",
      trustPolicy: role.AssumeRolePolicyDocument ? parsePolicy(role.AssumeRolePolicyDocument) : {},
      inlinePolicies: sortedKeys(parts.inline),
      managedPolicies: [...parts.managed].sort(),
      description: role.Description ?? "",
      maxSessionDuration: role.MaxSessionDuration ?? 3600,
      tags,
      instanceProfiles: parts.profiles,
    },
  };
}

/**
 * Roles under `pathPrefix` (all roles when undefined) that `keep` accepts, in
 * two paginated calls however many roles there are. `ListRoles` has the
 * description and session duration; `GetAccountAuthorizationDetails` has
 * what ListRoles leaves out (tags, inline and managed policies, instance
 * profiles), for the whole account, so it is skipped when ListRoles finds
 * nothing. Reading those per role would cost four calls or more per role.
 */
async function scanRoles(
  ctx: ParticleContext,
  pathPrefix: string | undefined,
  keep: (live: LiveResource<RoleData>) => boolean,
): Promise<LiveResource<RoleData>[]> {
  const client = iam(ctx);
  const listed: AwsRole[] = [];
  for await (const page of paginateListRoles({ client, pageSize: 1000 }, pathPrefix ? { PathPrefix: pathPrefix } : {})) {
    listed.push(...(page.Roles ?? []).filter((r) => pathPrefix === undefined || r.Path === pathPrefix));
  }
  if (listed.length === 0) return [];
  const details = new Map((await roleDetails(ctx)).map((d) => [d.RoleName!, d]));
  const out: LiveResource<RoleData>[] = [];
  for (const role of listed) {
    // Created between the two calls: the next run sees it (and a create of it adopts it).
    const detail = details.get(role.RoleName!);
    if (!detail) continue;
    const live = toLive(role, {
      tags: detail.Tags,
      inline: Object.fromEntries((detail.RolePolicyList ?? []).map((p) => [p.PolicyName!, parsePolicy(p.PolicyDocument ?? "{}")])),
      managed: (detail.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn!),
      profiles: (detail.InstanceProfileList ?? []).map((p) => ({ name: p.InstanceProfileName!, path: p.Path ?? "/" })),
    });
    if (keep(live)) out.push(live);
  }
  return out;
}

async function inlinePoliciesOf(ctx: ParticleContext, RoleName: string): Promise<Record<string, JsonObject>> {
  const client = iam(ctx);
  const names: string[] = [];
  for await (const page of paginateListRolePolicies({ client }, { RoleName })) names.push(...(page.PolicyNames ?? []));
  const documents = await mapLimit(names, 4, async (PolicyName) => {
    const out = await client.send(new GetRolePolicyCommand({ RoleName, PolicyName }));
    return [PolicyName, parsePolicy(out.PolicyDocument ?? "{}")] as const;
  });
  return Object.fromEntries(documents);
}

async function managedPoliciesOf(ctx: ParticleContext, RoleName: string): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListAttachedRolePolicies({ client: iam(ctx) }, { RoleName })) {
    arns.push(...(page.AttachedPolicies ?? []).map((p) => p.PolicyArn!));
  }
  return arns;
}

async function profilesOf(ctx: ParticleContext, RoleName: string): Promise<RoleProfileRef[]> {
  const refs: RoleProfileRef[] = [];
  for await (const page of paginateListInstanceProfilesForRole({ client: iam(ctx) }, { RoleName })) {
    refs.push(...(page.InstanceProfiles ?? []).map((p) => ({ name: p.InstanceProfileName!, path: p.Path ?? "/" })));
  }
  return refs;
}

/**
 * One role read in full with per-role calls, for create, update, delete and
 * lookup by id: what AWS holds now, not what the plan saw. Undefined when
 * the role does not exist.
 */
async function readRole(ctx: ParticleContext, name: string): Promise<LiveResource<RoleData> | undefined> {
  try {
    const role = (await iam(ctx).send(new GetRoleCommand({ RoleName: name }))).Role!;
    const [inline, managed, profiles] = await Promise.all([
      inlinePoliciesOf(ctx, name),
      managedPoliciesOf(ctx, name),
      profilesOf(ctx, name),
    ]);
    return toLive(role, { tags: role.Tags, inline, managed, profiles });
  } catch (error) {
    if (hasCode(error, ...NOT_FOUND)) return undefined;
    throw error;
  }
}

// ---------------------------------------------------------------- changing

function trustOf(props: RoleProps): JsonObject {
  if (props.trustPolicy) return canonicalPolicy(props.trustPolicy as unknown as JsonObject);
  return trustPolicyFor(props.assumedBy ?? []);
}

function documentsOf(props: RenderedRoleProps): Record<string, JsonObject> {
  return Object.fromEntries(Object.entries(props.inlinePolicies).map(([k, d]) => [k, canonicalPolicy(d as unknown as JsonObject)]));
}

/**
 * Brings the role from `live` to `desired` for the props in `changed`. Adds
 * before it removes (policies put before others are deleted, attached before
 * others are detached), so the role never has less than both sides grant.
 */
async function syncRole(ctx: ParticleContext, live: RoleData, desired: Desired<RenderedRoleProps>, changed: readonly string[]) {
  const client = iam(ctx);
  const RoleName = live.name;
  const props = desired.props;
  if (changed.includes("trustPolicy") || changed.includes("assumedBy")) {
    await client.send(new UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument: policyText(trustOf(props)) }));
  }
  if (changed.includes("description") || changed.includes("maxSessionDuration")) {
    // Both every time: an omitted MaxSessionDuration resets to 3600 in moto,
    // and "" is how a description is removed.
    await client.send(
      new UpdateRoleCommand({ RoleName, Description: props.description ?? "", MaxSessionDuration: props.maxSessionDuration }),
    );
  }
  if (changed.includes("inlinePolicies")) {
    const want = documentsOf(props);
    for (const [PolicyName, document] of Object.entries(want)) {
      if (!samePolicy(live.inlinePolicies[PolicyName], document)) {
        await client.send(new PutRolePolicyCommand({ RoleName, PolicyName, PolicyDocument: policyText(document) }));
      }
    }
    for (const PolicyName of Object.keys(live.inlinePolicies).filter((p) => !(p in want))) {
      await ignoreCodes(NOT_FOUND, () => client.send(new DeleteRolePolicyCommand({ RoleName, PolicyName })));
    }
  }
  if (changed.includes("managedPolicies")) {
    const want = new Set(props.managedPolicies);
    for (const PolicyArn of want) {
      if (!live.managedPolicies.includes(PolicyArn)) await client.send(new AttachRolePolicyCommand({ RoleName, PolicyArn }));
    }
    for (const PolicyArn of live.managedPolicies.filter((a) => !want.has(a))) {
      await ignoreCodes(NOT_FOUND, () => client.send(new DetachRolePolicyCommand({ RoleName, PolicyArn })));
    }
  }
  if (changed.includes("tags")) {
    const { set, remove } = tagChanges(live.tags, desired.tags);
    if (set.length > 0) await client.send(new TagRoleCommand({ RoleName, Tags: set }));
    if (remove.length > 0) await client.send(new UntagRoleCommand({ RoleName, TagKeys: remove }));
  }
}

/** A role just created by CreateRole: no policies yet; what else it holds, the create call set. */
function fromCreate(name: string, ctx: ParticleContext): RoleData {
  return {
    name,
    arn: "",
    path: iamPath(ctx.stack),
    trustPolicy: {},
    inlinePolicies: {},
    managedPolicies: [],
    description: "",
    maxSessionDuration: 3600,
    tags: {},
    instanceProfiles: [],
  };
}

async function roleExists(ctx: ParticleContext, name: string): Promise<true | undefined> {
  try {
    await iam(ctx).send(new GetRoleCommand({ RoleName: name }));
    return true;
  } catch (error) {
    if (hasCode(error, ...NOT_FOUND)) return undefined;
    throw error;
  }
}

const ALL_PROPS = ["trustPolicy", "inlinePolicies", "managedPolicies", "description", "maxSessionDuration", "tags"];

/** An IAM role: an identity that AWS services (or others) assume, with the permissions its policies grant. */
export const Role = defineParticle<RoleProps, RoleData, "aws.iam.Role", Defaulted>({
  type: TYPE,
  name: "Role",
  parents: ["Stack"],
  props: {
    assumedBy: "update",
    trustPolicy: "update",
    inlinePolicies: "update",
    managedPolicies: "update",
    description: "update",
    maxSessionDuration: "update",
    tags: "update",
  },
  defaults: { inlinePolicies: {}, managedPolicies: [], maxSessionDuration: 3600 },
  // Names come from the path, so a replacement would take the old one's name.
  replaceStrategy: "delete-first",
  validate,
  rules: [iamNameCase, iamWildcardAction, iamServiceWildcard, iamWildcardResource, iamActionFormat, trustAnyPrincipal],
  permissions: {
    // One read of the account's roles, shared with the instance profiles: IAM lists by path, not by tag, and never per role.
    list: [anywhere(ACCOUNT_READS, "iam:ListRoles", "iam:GetAccountAuthorizationDetails")],
    lookup: [
      anywhere(ACCOUNT_READS, "iam:ListRoles", "iam:GetAccountAuthorizationDetails"),
      // An adopted role is another's: read, never changed.
      { actions: ROLE_READS, resources: ["arn:aws:iam::${account}:role/*"], why: "An adopted role is read wherever it lives; only reads." },
    ],
    create: [
      // TagRole: the ownership tags are given in CreateRole itself, which IAM authorizes as tagging.
      {
        actions: ["iam:CreateRole", "iam:TagRole"],
        resources: [STACK_ROLES],
        condition: { StringEquals: { [`aws:RequestTag/${STACK_TAG}`]: "${stack}" } },
      },
      onStackRoles(...ROLE_WRITES, ...ROLE_READS),
    ],
    update: [onStackRoles(...ROLE_WRITES, ...ROLE_READS, "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:TagRole", "iam:UntagRole")],
    delete: [
      onStackRoles("iam:RemoveRoleFromInstanceProfile", "iam:DetachRolePolicy", "iam:DeleteRolePolicy", "iam:DeleteRole", ...ROLE_READS),
    ],
  },
  normalize,

  async list(ctx) {
    return scanRoles(ctx, iamPath(ctx.stack), (live) => ownedBy(ctx, live.data.path, live.data.tags));
  },

  async lookup(ctx, existing) {
    if ("id" in existing) {
      const live = await readRole(ctx, existing.id);
      return live ? [live] : [];
    }
    return scanRoles(ctx, undefined, (live) => Object.entries(existing.tags).every(([k, v]) => live.data.tags[k] === v));
  },

  observe(live) {
    const data = live.data;
    return {
      trustPolicy: data.trustPolicy,
      inlinePolicies: data.inlinePolicies,
      managedPolicies: data.managedPolicies,
      ...(data.description ? { description: data.description } : {}),
      maxSessionDuration: data.maxSessionDuration,
      tags: userTags(data.tags),
    };
  },

  async create(ctx, desired) {
    const client = iam(ctx);
    const name = iamName(ctx.stack, desired, NAME_LIMIT.role);
    const props = desired.props;
    let before: RoleData;
    let changed: string[];
    try {
      // Path and Tags in the create call itself: a role is never without its owner.
      await client.send(
        new CreateRoleCommand({
          RoleName: name,
          Path: iamPath(ctx.stack),
          AssumeRolePolicyDocument: policyText(trustOf(props)),
          Description: props.description,
          MaxSessionDuration: props.maxSessionDuration,
          Tags: iamTags(desired.tags),
        }),
      );
      // Everything but the policies was set by CreateRoleCommand.
      before = fromCreate(name, ctx);
      changed = ["inlinePolicies", "managedPolicies"];
    } catch (error) {
      if (!hasCode(error, "EntityAlreadyExists")) throw error;
      // A run killed after CreateRole left this element's role behind: take it
      // over and converge. Anyone else's role of that name is not ours to touch.
      const found = await readRole(ctx, name);
      if (!found || !createdFor(ctx, desired.path, found.data.path, found.data.tags)) {
        throw new Error(
          `${desired.path} (${TYPE}): an IAM role named "${name}" already exists and jiti did not create it for this element ` +
            `(found: path ${found?.data.path ?? "?"}, jiti:stack ${found?.data.tags[STACK_TAG] ?? "none"}, jiti:path ${found?.data.tags[PATH_TAG] ?? "none"}). ` +
            "Rename the element or the stack, or delete that role.",
        );
      }
      before = found.data;
      changed = ALL_PROPS;
    }
    // IAM is eventually consistent: wait until the role can be read before changing it.
    await waitFor(ctx, `IAM role ${name} to exist`, () => roleExists(ctx, name));
    await syncRole(ctx, before, desired, changed);
    return waitFor(ctx, `IAM role ${name} to be readable`, () => readRole(ctx, name));
  },

  async update(ctx, live, desired, changed) {
    await syncRole(ctx, live.data, desired, changed);
    const after = await readRole(ctx, live.id);
    if (!after)
      throw new Error(`${desired.path} (${TYPE}): the IAM role ${live.id} disappeared while it was being updated. Run again to create it.`);
    return after;
  },

  async delete(ctx, live) {
    const client = iam(ctx);
    const current = await readRole(ctx, live.id);
    if (!current) return;
    const RoleName = current.id;
    const foreign = current.data.instanceProfiles.filter((p) => p.path !== iamPath(ctx.stack));
    if (foreign.length > 0) {
      throw new Error(
        `${live.path ?? RoleName} (${TYPE}): the role ${RoleName} is in instance profiles that this stack does not own ` +
          `(found: ${foreign.map((p) => `${p.path}${p.name}`).join(", ")}). ` +
          "jiti does not change resources it does not own: remove the role from those profiles, then run again.",
      );
    }
    for (const profile of current.data.instanceProfiles) {
      await ignoreCodes(NOT_FOUND, () =>
        client.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: profile.name, RoleName })),
      );
    }
    for (const PolicyArn of current.data.managedPolicies) {
      await ignoreCodes(NOT_FOUND, () => client.send(new DetachRolePolicyCommand({ RoleName, PolicyArn })));
    }
    for (const PolicyName of Object.keys(current.data.inlinePolicies)) {
      await ignoreCodes(NOT_FOUND, () => client.send(new DeleteRolePolicyCommand({ RoleName, PolicyName })));
    }
    // DeleteConflict while IAM still sees the detachments above in flight.
    await retryOn(ctx, ["DeleteConflict"], `IAM role ${RoleName} to be free of policies and instance profiles`, () =>
      ignoreCodes(NOT_FOUND, () => client.send(new DeleteRoleCommand({ RoleName }))),
    );
  },

  outputs(live) {
    return { id: live.id, name: live.data.name, arn: live.data.arn };
  },
});
