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
import type { Issue, JsonObject, LiveResource } from "@jiti/reconciler";
import { checkFields, defineParticle, is, type Desired, type ParticleContext, type WithDefaults } from "@jiti/reconciler/particle";
import { iam, iamOnce } from "../aws/clients.js";
import { createOnce } from "../aws/create.js";
import { iamNameCase } from "../rules/iam-name-case.js";
import { iamActionFormat, iamServiceWildcard, iamWildcardAction, iamWildcardResource, trustAnyPrincipal } from "../rules/iam-policies.js";
import { hasCode, ignoreCodes } from "../aws/errors.js";
import { PATH_TAG, STACK_TAG, tagMap, userTags, ownership } from "../aws/tags.js";
import { retryOn } from "../aws/wait.js";
import {
  NAME_LIMIT,
  createdFor,
  iamName,
  iamPath,
  iamTags,
  mapLimit,
  roleDetails,
  sortedKeys,
  iamTagsCheck,
  tagChanges,
  tagsAfter,
  listScope,
  type IamPaths,
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

/** Props of `<Role>`. IAM is global: a role serves every region of its account. */
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

/** A role as IAM reports it, with its policies and the instance profiles it is in. */
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
  /** In seconds. */
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
  where: IamPaths | undefined,
  keep: (live: LiveResource<RoleData>) => boolean,
): Promise<LiveResource<RoleData>[]> {
  const client = iam(ctx);
  const listed: AwsRole[] = [];
  const holds = where?.holds ?? (() => true);
  for await (const page of paginateListRoles({ client, pageSize: 1000 }, where ? { PathPrefix: where.prefix } : {})) {
    listed.push(...(page.Roles ?? []).filter((r) => holds(r.Path)));
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
 * Brings the role from `live` to `desired` for the props in `changed`, and
 * answers it as AWS then holds it, without reading it back. Adds before it
 * removes (policies put before others are deleted, attached before others
 * are detached), so the role never has less than both sides grant. Right
 * after a create, IAM may not show the role yet (eventual consistency).
 */
async function syncRole(
  ctx: ParticleContext,
  live: LiveResource<RoleData>,
  desired: Desired<RenderedRoleProps>,
  changed: readonly string[],
): Promise<LiveResource<RoleData>> {
  const client = iam(ctx);
  const before = live.data;
  const RoleName = before.name;
  const props = desired.props;
  const data = { ...before };
  // A call IAM answers NoSuchEntity for a role created moments ago (IAM's propagation, up to a few
  // seconds): retried, but only when it is the role that is missing (IAM names it), not a policy.
  const roleMissing = (error: unknown) => hasCode(error, ...NOT_FOUND) && error instanceof Error && error.message.includes(RoleName);
  const send = <T>(command: () => Promise<T>) => retryOn(ctx, roleMissing, `IAM role ${RoleName} to be visible`, command);
  if (changed.includes("trustPolicy") || changed.includes("assumedBy")) {
    data.trustPolicy = trustOf(props);
    await send(() => client.send(new UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument: policyText(data.trustPolicy) })));
  }
  if (changed.includes("description") || changed.includes("maxSessionDuration")) {
    // Both every time: an omitted MaxSessionDuration resets to 3600 in moto,
    // and "" is how a description is removed.
    data.description = props.description ?? "";
    data.maxSessionDuration = props.maxSessionDuration;
    await send(() =>
      client.send(new UpdateRoleCommand({ RoleName, Description: data.description, MaxSessionDuration: data.maxSessionDuration })),
    );
  }
  if (changed.includes("inlinePolicies")) {
    const want = documentsOf(props);
    await Promise.all(
      Object.entries(want)
        .filter(([PolicyName, document]) => !samePolicy(before.inlinePolicies[PolicyName], document))
        .map(([PolicyName, document]) =>
          send(() => client.send(new PutRolePolicyCommand({ RoleName, PolicyName, PolicyDocument: policyText(document) }))),
        ),
    );
    for (const PolicyName of Object.keys(before.inlinePolicies).filter((p) => !(p in want))) {
      await ignoreCodes(NOT_FOUND, () => client.send(new DeleteRolePolicyCommand({ RoleName, PolicyName })));
    }
    data.inlinePolicies = sortedKeys(want);
  }
  if (changed.includes("managedPolicies")) {
    const want = new Set(props.managedPolicies);
    await Promise.all(
      [...want]
        .filter((PolicyArn) => !before.managedPolicies.includes(PolicyArn))
        .map((PolicyArn) => send(() => client.send(new AttachRolePolicyCommand({ RoleName, PolicyArn })))),
    );
    for (const PolicyArn of before.managedPolicies.filter((a) => !want.has(a))) {
      await ignoreCodes(NOT_FOUND, () => client.send(new DetachRolePolicyCommand({ RoleName, PolicyArn })));
    }
    data.managedPolicies = [...want].sort();
  }
  if (changed.includes("tags")) {
    const { set, remove } = tagChanges(before.tags, desired.tags);
    if (set.length > 0) await send(() => client.send(new TagRoleCommand({ RoleName, Tags: set })));
    if (remove.length > 0) await send(() => client.send(new UntagRoleCommand({ RoleName, TagKeys: remove })));
    data.tags = tagsAfter(before.tags, { set, remove });
  }
  return { ...live, ...ownership(data.tags), data };
}

/** The props in which the role differs from `desired`: after a create only its policies; a role taken over, anything. */
function differing(live: RoleData, desired: Desired<RenderedRoleProps>): string[] {
  const props = desired.props;
  const tags = tagChanges(live.tags, desired.tags);
  const inline = documentsOf(props);
  return [
    ...(samePolicy(live.trustPolicy, trustOf(props)) ? [] : ["trustPolicy"]),
    ...(Object.keys(inline).length === Object.keys(live.inlinePolicies).length &&
    Object.entries(inline).every(([k, d]) => samePolicy(live.inlinePolicies[k], d))
      ? []
      : ["inlinePolicies"]),
    ...(JSON.stringify([...props.managedPolicies].sort()) === JSON.stringify(live.managedPolicies) ? [] : ["managedPolicies"]),
    ...(live.description === (props.description ?? "") && live.maxSessionDuration === props.maxSessionDuration ? [] : ["description"]),
    ...(tags.set.length > 0 || tags.remove.length > 0 ? ["tags"] : []),
  ];
}

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
      // Reading it: the role a create whose reply was lost made, or one a stopped run left behind.
      onStackRoles(...ROLE_READS),
    ],
    // Its policies; and, for a role taken over, whatever else differs.
    configure: [onStackRoles(...ROLE_WRITES, "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:TagRole", "iam:UntagRole")],
    retag: [onStackRoles("iam:TagRole", "iam:UntagRole")],
    update: [onStackRoles(...ROLE_WRITES, "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:TagRole", "iam:UntagRole")],
    // Reading it afresh when AWS says it holds what the plan did not see.
    delete: [
      onStackRoles("iam:RemoveRoleFromInstanceProfile", "iam:DetachRolePolicy", "iam:DeleteRolePolicy", "iam:DeleteRole", ...ROLE_READS),
    ],
  },
  normalize,

  async list(ctx, options) {
    const scope = listScope(ctx, options);
    return scanRoles(ctx, scope, (live) => scope.owned(live.data.path, live.data.tags));
  },

  async retag(ctx, resources, set, remove) {
    const client = iam(ctx);
    await mapLimit(resources, 4, async (live) => {
      const RoleName = live.id;
      if (Object.keys(set).length > 0) await client.send(new TagRoleCommand({ RoleName, Tags: iamTags(set) }));
      if (remove.length > 0) await client.send(new UntagRoleCommand({ RoleName, TagKeys: [...remove] }));
    });
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
    const name = iamName(ctx.stack, desired, NAME_LIMIT.role);
    const props = desired.props;
    try {
      return await createOnce(ctx, {
        what: `IAM role ${desired.path}`,
        send: async (token) => {
          // Path and Tags in the create call itself: a role is never without its owner.
          const tags = { ...desired.tags, ...token };
          const out = await iamOnce(ctx).send(
            new CreateRoleCommand({
              RoleName: name,
              Path: iamPath(ctx.stack),
              AssumeRolePolicyDocument: policyText(trustOf(props)),
              Description: props.description,
              MaxSessionDuration: props.maxSessionDuration,
              Tags: iamTags(tags),
            }),
          );
          // Everything but the policies was set by CreateRole; configure puts those.
          return toLive(
            { ...out.Role!, AssumeRolePolicyDocument: policyText(trustOf(props)) },
            { tags: iamTags(tags), inline: {}, managed: [], profiles: [] },
          );
        },
        find: async (token) => {
          const found = await readRole(ctx, name);
          return found && Object.entries(token).every(([k, v]) => found.data.tags[k] === v) ? found : undefined;
        },
        exists: ["EntityAlreadyExists"],
      });
    } catch (error) {
      if (!hasCode(error, "EntityAlreadyExists")) throw error;
      // A run stopped after CreateRole left this element's role behind, and the
      // read phase did not see it yet (IAM's listings lag): take it over, and
      // configure converges it. Anyone else's role of that name is not ours to touch.
      const found = await readRole(ctx, name);
      if (!found || !createdFor(ctx, desired.path, found.data.path, found.data.tags)) {
        throw new Error(
          `${desired.path} (${TYPE}): an IAM role named "${name}" already exists and jiti did not create it for this element ` +
            `(found: path ${found?.data.path ?? "?"}, jiti:stack ${found?.data.tags[STACK_TAG] ?? "none"}, jiti:path ${found?.data.tags[PATH_TAG] ?? "none"}). ` +
            "Rename the element or the stack, or delete that role.",
          { cause: error },
        );
      }
      return found;
    }
  },

  async configure(ctx, live, desired) {
    // A profile needs only the role to exist; the policies follow while it is made.
    return syncRole(ctx, live, desired, differing(live.data, desired));
  },

  async update(ctx, live, desired, changed) {
    return syncRole(ctx, live, desired, changed);
  },

  async delete(ctx, live) {
    const client = iam(ctx);
    // What the plan read; read afresh only when AWS says something was added since.
    const remove = async (role: RoleData) => {
      const foreign = role.instanceProfiles.filter((p) => p.path !== iamPath(ctx.stack));
      if (foreign.length > 0) {
        throw new Error(
          `${live.path ?? role.name} (${TYPE}): the role ${role.name} is in instance profiles that this stack does not own ` +
            `(found: ${foreign.map((p) => `${p.path}${p.name}`).join(", ")}). ` +
            "jiti does not change resources it does not own: remove the role from those profiles, then run again.",
        );
      }
      const RoleName = role.name;
      await Promise.all([
        ...role.instanceProfiles.map((profile) =>
          ignoreCodes(NOT_FOUND, () =>
            client.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: profile.name, RoleName })),
          ),
        ),
        ...role.managedPolicies.map((PolicyArn) =>
          ignoreCodes(NOT_FOUND, () => client.send(new DetachRolePolicyCommand({ RoleName, PolicyArn }))),
        ),
        ...Object.keys(role.inlinePolicies).map((PolicyName) =>
          ignoreCodes(NOT_FOUND, () => client.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }))),
        ),
      ]);
      await ignoreCodes(NOT_FOUND, () => client.send(new DeleteRoleCommand({ RoleName })));
    };
    try {
      await remove(live.data);
    } catch (error) {
      if (!hasCode(error, "DeleteConflict")) throw error;
      // A policy or profile the plan did not see (added since, or IAM still
      // sees a detachment in flight): read the role as it is now, and again.
      await retryOn(ctx, ["DeleteConflict"], `IAM role ${live.id} to be free of policies and instance profiles`, async () => {
        const current = await readRole(ctx, live.id);
        if (current) await remove(current.data);
      });
    }
  },

  outputs(live) {
    return { id: live.id, name: live.data.name, arn: live.data.arn };
  },
});
