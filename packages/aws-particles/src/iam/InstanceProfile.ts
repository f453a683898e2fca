import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  DeleteInstanceProfileCommand,
  GetInstanceProfileCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagInstanceProfileCommand,
  UntagInstanceProfileCommand,
  paginateListInstanceProfiles,
  type InstanceProfile as AwsInstanceProfile,
} from "@aws-sdk/client-iam";
import type { LiveResource } from "@jiti/reconciler";
import { checkFields, defineParticle, is, type Desired, type ParticleContext, type RefValue, type Grant } from "@jiti/reconciler/particle";
import { iam, iamOnce } from "../aws/clients.js";
import { createOnce } from "../aws/create.js";
import { noteProfileChanged } from "../aws/propagation.js";
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
import { iamNameCase } from "../rules/iam-name-case.js";
import { anywhere, onStackProfiles, onStackRoles } from "../aws/grants.js";

/** Props of `<InstanceProfile>`, written inside the `<Role>` it hands to instances. */
export interface InstanceProfileProps {
  /**
   * The role the profile hands to the instances that use it: the `<Role>` it
   * is nested in, set by nesting (do not set it yourself). When that role's
   * name changes (an `existing` role swapped for another), the profile swaps
   * roles: updated in place.
   */
  role?: RefValue | string;
  /** Tags on the instance profile, merged over the stack's tags. Updated in place. */
  tags?: Record<string, string>;
}

/** An instance profile as IAM reports it. */
export interface InstanceProfileData {
  name: string;
  arn: string;
  /** IAM path: `/jiti/<stack>/` for the profiles jiti creates. */
  path: string;
  /** Names of the roles in it: one at most, IAM's limit. */
  roles: string[];
  tags: Record<string, string>;
}

const TYPE = "aws.iam.InstanceProfile";
const NOT_FOUND = ["NoSuchEntity"];
/** IAM allows 50 tags per instance profile; jiti's own `jiti:stack` and `jiti:path` take two. */
const MAX_USER_TAGS = 48;
/** GetInstanceProfile calls in flight at once when reading many profiles. */
const READ_CONCURRENCY = 8;

function toLive(profile: AwsInstanceProfile): LiveResource<InstanceProfileData> {
  const tags = tagMap(profile.Tags);
  return {
    type: TYPE,
    id: profile.InstanceProfileName!,
    ...ownership(tags),
    data: {
      name: profile.InstanceProfileName!,
      arn: profile.Arn ?? "",
      path: profile.Path ?? "/",
      roles: (profile.Roles ?? []).map((r) => r.RoleName!),
      tags,
    },
  };
}

/** The profile with its tags and role, or undefined when it does not exist. */
async function readProfile(ctx: ParticleContext, name: string): Promise<LiveResource<InstanceProfileData> | undefined> {
  try {
    const out = await iam(ctx).send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    return toLive(out.InstanceProfile!);
  } catch (error) {
    if (hasCode(error, ...NOT_FOUND)) return undefined;
    throw error;
  }
}

/**
 * Profiles under `pathPrefix` (all when undefined), each with its tags.
 *
 * ListInstanceProfiles is one paginated call, but AWS leaves the tags out of
 * it (its API reference says so; moto 5.2.1 includes them, and ignores
 * PathPrefix too). The tags carry `jiti:path` and are what the `tags` prop is
 * compared with. A profile that holds a role comes with its tags in the
 * account's role details, read once per run and shared with the Role list;
 * only a profile without a role (left so by an interrupted run) is read on
 * its own with GetInstanceProfile.
 */
async function scanProfiles(ctx: ParticleContext, where: IamPaths | undefined): Promise<LiveResource<InstanceProfileData>[]> {
  const names: string[] = [];
  const holds = where?.holds ?? (() => true);
  for await (const page of paginateListInstanceProfiles({ client: iam(ctx), pageSize: 1000 }, where ? { PathPrefix: where.prefix } : {})) {
    for (const profile of page.InstanceProfiles ?? []) {
      if (holds(profile.Path)) names.push(profile.InstanceProfileName!);
    }
  }
  if (names.length === 0) return [];
  const withRoles = new Map<string, AwsInstanceProfile>();
  for (const role of await roleDetails(ctx)) {
    for (const profile of role.InstanceProfileList ?? []) withRoles.set(profile.InstanceProfileName!, profile);
  }
  const found = await mapLimit(names, READ_CONCURRENCY, async (name) => {
    const known = withRoles.get(name);
    return known ? toLive(known) : readProfile(ctx, name);
  });
  // Deleted between the two calls: gone.
  return found.filter((p) => p !== undefined);
}

function roleOf(desired: Desired<InstanceProfileProps>): string {
  const role = desired.props.role;
  if (typeof role !== "string") {
    throw new Error(
      `${desired.path} (${TYPE}): its role was not resolved to a role name (found: ${JSON.stringify(role ?? null)}). Nest the profile in a <Role>.`,
    );
  }
  return role;
}

/**
 * Puts `role` in the profile, taking out any other (a profile holds one).
 * Answers the profile as IAM then holds it, without reading it back.
 * RunInstances may still reject the profile for a few seconds after this
 * (the Ec2 particle retries that).
 */
async function setRole(
  ctx: ParticleContext,
  live: LiveResource<InstanceProfileData>,
  role: string,
): Promise<LiveResource<InstanceProfileData>> {
  const client = iam(ctx);
  const InstanceProfileName = live.data.name;
  for (const other of live.data.roles.filter((r) => r !== role)) {
    await ignoreCodes(NOT_FOUND, () => client.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName, RoleName: other })));
  }
  if (!live.data.roles.includes(role)) {
    try {
      // A role or profile created a moment ago may not be visible to this call
      // yet (IAM is eventually consistent); one that really is missing fails after the bound.
      await retryOn(
        ctx,
        NOT_FOUND,
        `IAM role ${role} and instance profile ${InstanceProfileName} to be visible`,
        () => client.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName, RoleName: role })),
        { timeoutMs: 30_000 },
      );
    } catch (error) {
      // The profile is full: with this role, if an attempt whose reply was lost put it there.
      if (!hasCode(error, "LimitExceeded")) throw error;
      const now = await readProfile(ctx, InstanceProfileName);
      if (!now?.data.roles.includes(role)) throw error;
    }
  }
  // EC2 refuses the profile until IAM's change has spread: instances launched with it in this run wait for that.
  noteProfileChanged(ctx, InstanceProfileName);
  return { ...live, data: { ...live.data, roles: [role] } };
}

async function syncTags(
  ctx: ParticleContext,
  live: LiveResource<InstanceProfileData>,
  desired: Record<string, string>,
): Promise<LiveResource<InstanceProfileData>> {
  const client = iam(ctx);
  const InstanceProfileName = live.data.name;
  const changes = tagChanges(live.data.tags, desired);
  if (changes.set.length > 0) await client.send(new TagInstanceProfileCommand({ InstanceProfileName, Tags: changes.set }));
  if (changes.remove.length > 0) await client.send(new UntagInstanceProfileCommand({ InstanceProfileName, TagKeys: changes.remove }));
  const tags = tagsAfter(live.data.tags, changes);
  return { ...live, ...ownership(tags), data: { ...live.data, tags } };
}

/** PassRole on the role a profile holds: the stack's, or an adopted one by its name (with or without a path). */
const PASS_ROLE: Grant = {
  ...onStackRoles("iam:PassRole"),
  existing: { type: "aws.iam.Role", arn: ["arn:aws:iam::${account}:role/${id}", "arn:aws:iam::${account}:role/*/${id}"] },
};

const ACCOUNT_READS = "IAM's ListInstanceProfiles and GetAccountAuthorizationDetails take no resource: AWS allows them on * only.";

/** An instance profile: how an EC2 instance takes on the IAM role it is nested in. */
export const InstanceProfile = defineParticle<InstanceProfileProps, InstanceProfileData, "aws.iam.InstanceProfile">({
  type: TYPE,
  name: "InstanceProfile",
  parents: ["Role"],
  parentProp: "role",
  props: { role: "update", tags: "update" },
  rules: [iamNameCase],
  permissions: {
    list: [anywhere(ACCOUNT_READS, "iam:ListInstanceProfiles", "iam:GetAccountAuthorizationDetails")],
    lookup: [
      anywhere(ACCOUNT_READS, "iam:ListInstanceProfiles"),
      {
        actions: ["iam:GetInstanceProfile"],
        resources: ["arn:aws:iam::${account}:instance-profile/*"],
        why: "An adopted profile is read wherever it lives; only reads.",
      },
    ],
    create: [
      // TagInstanceProfile: the ownership tags are given in CreateInstanceProfile itself.
      {
        actions: ["iam:CreateInstanceProfile", "iam:TagInstanceProfile"],
        resources: ["arn:aws:iam::${account}:instance-profile/jiti/${stack}/*"],
        condition: { StringEquals: { [`aws:RequestTag/${STACK_TAG}`]: "${stack}" } },
      },
      // Reading it: the profile a create whose reply was lost made, or one a stopped run left behind.
      onStackProfiles("iam:AddRoleToInstanceProfile", "iam:GetInstanceProfile", "iam:UntagInstanceProfile"),
      // AddRoleToInstanceProfile passes the role: IAM asks for PassRole on it, a role of the stack's or one it adopts.
      PASS_ROLE,
    ],
    retag: [onStackProfiles("iam:TagInstanceProfile", "iam:UntagInstanceProfile")],
    update: [
      onStackProfiles(
        "iam:AddRoleToInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile",
        "iam:TagInstanceProfile",
        "iam:UntagInstanceProfile",
        "iam:GetInstanceProfile",
      ),
      PASS_ROLE,
    ],
    // Reading it afresh when AWS says it holds a role the plan did not see.
    delete: [onStackProfiles("iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile", "iam:GetInstanceProfile")],
  },
  // Names come from the path, so a replacement would take the old one's name.
  replaceStrategy: "delete-first",
  validate(props) {
    const issues = checkFields(props as never, {
      role: { check: (value, name) => (typeof value === "string" ? undefined : is.ref("Role")(value, name)) },
      tags: { check: iamTagsCheck() },
    });
    const userTagCount = Object.keys(props.tags ?? {}).length;
    if (userTagCount > MAX_USER_TAGS) {
      issues.push({
        message: `tags may hold at most ${MAX_USER_TAGS} tags on an instance profile (IAM's 50 less jiti's own two)`,
        found: userTagCount,
        fix: "Remove tags",
      });
    }
    return issues;
  },
  normalize(props) {
    const tags = props.tags;
    if (typeof tags !== "object" || tags === null) return props;
    return { ...props, tags: sortedKeys(tags) };
  },

  async list(ctx, options) {
    const scope = listScope(ctx, options);
    const profiles = await scanProfiles(ctx, scope);
    return profiles.filter((p) => scope.owned(p.data.path, p.data.tags));
  },

  async retag(ctx, resources, set, remove) {
    const client = iam(ctx);
    await mapLimit(resources, READ_CONCURRENCY, async (live) => {
      const InstanceProfileName = live.id;
      if (Object.keys(set).length > 0) await client.send(new TagInstanceProfileCommand({ InstanceProfileName, Tags: iamTags(set) }));
      if (remove.length > 0) await client.send(new UntagInstanceProfileCommand({ InstanceProfileName, TagKeys: [...remove] }));
    });
  },

  async lookup(ctx, existing) {
    if ("id" in existing) {
      const profile = await readProfile(ctx, existing.id);
      return profile ? [profile] : [];
    }
    // IAM cannot filter by tag: every profile of the account is read.
    const profiles = await scanProfiles(ctx, undefined);
    return profiles.filter((p) => Object.entries(existing.tags).every(([k, v]) => p.data.tags[k] === v));
  },

  observe(live) {
    const role = live.data.roles[0];
    return { ...(role !== undefined ? { role } : {}), tags: userTags(live.data.tags) };
  },

  async create(ctx, desired) {
    const name = iamName(ctx.stack, desired, NAME_LIMIT.instanceProfile);
    const role = roleOf(desired);
    let made: LiveResource<InstanceProfileData>;
    try {
      made = await createOnce(ctx, {
        what: `instance profile ${desired.path}`,
        send: async (token) => {
          // Path and Tags in the create call itself: a profile is never without its owner.
          const tags = iamTags({ ...desired.tags, ...token });
          const out = await iamOnce(ctx).send(
            new CreateInstanceProfileCommand({ InstanceProfileName: name, Path: iamPath(ctx.stack), Tags: tags }),
          );
          return toLive({ ...out.InstanceProfile!, Tags: out.InstanceProfile!.Tags?.length ? out.InstanceProfile!.Tags : tags });
        },
        find: async (token) => {
          const found = await readProfile(ctx, name);
          return found && Object.entries(token).every(([k, v]) => found.data.tags[k] === v) ? found : undefined;
        },
        exists: ["EntityAlreadyExists"],
      });
    } catch (error) {
      if (!hasCode(error, "EntityAlreadyExists")) throw error;
      // A run stopped after CreateInstanceProfile left this element's profile
      // behind, and the read phase did not see it yet: take it over. Anyone
      // else's profile of that name is not ours.
      const found = await readProfile(ctx, name);
      if (!found || !createdFor(ctx, desired.path, found.data.path, found.data.tags)) {
        throw new Error(
          `${desired.path} (${TYPE}): an instance profile named "${name}" already exists and jiti did not create it for this element ` +
            `(found: path ${found?.data.path ?? "?"}, jiti:stack ${found?.data.tags[STACK_TAG] ?? "none"}, jiti:path ${found?.data.tags[PATH_TAG] ?? "none"}). ` +
            "Rename the element or the stack, or delete that instance profile.",
          { cause: error },
        );
      }
      made = await syncTags(ctx, found, desired.tags);
    }
    // Instances launched with the profile need its role in it: part of making it.
    return setRole(ctx, made, role);
  },

  async update(ctx, live, desired, changed) {
    let current = live;
    if (changed.includes("role")) {
      // Read again rather than trust the plan's snapshot: a role replaced in
      // this apply (same derived name) has already been taken out of the profile.
      const fresh = (await readProfile(ctx, live.id)) ?? live;
      current = await setRole(ctx, fresh, roleOf(desired));
    }
    if (changed.includes("tags")) current = await syncTags(ctx, current, desired.tags);
    return current;
  },

  async delete(ctx, live) {
    const client = iam(ctx);
    const InstanceProfileName = live.id;
    // What the plan read; read afresh only when AWS says the profile holds a role the plan did not see.
    const remove = async (roles: readonly string[]) => {
      await Promise.all(
        roles.map((RoleName) =>
          ignoreCodes(NOT_FOUND, () => client.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName, RoleName }))),
        ),
      );
      await ignoreCodes(NOT_FOUND, () => client.send(new DeleteInstanceProfileCommand({ InstanceProfileName })));
    };
    try {
      await remove(live.data.roles);
    } catch (error) {
      if (!hasCode(error, "DeleteConflict")) throw error;
      // DeleteConflict while IAM still sees a role in it.
      await retryOn(ctx, ["DeleteConflict"], `instance profile ${InstanceProfileName} to be free of its role`, async () => {
        const current = await readProfile(ctx, InstanceProfileName);
        if (current) await remove(current.data.roles);
      });
    }
  },

  outputs(live) {
    return { id: live.id, name: live.data.name, arn: live.data.arn };
  },
});
