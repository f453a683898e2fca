import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
  ListInstanceProfilesCommand,
  RemoveRoleFromInstanceProfileCommand,
} from "@aws-sdk/client-iam";
import type { LiveResource } from "@jiti/reconciler";
import { particleOf, type ParticleContext } from "@jiti/reconciler/particle";
import { describe, expect, test } from "vitest";
import { useMoto } from "@jiti/testkit";
import { InstanceProfile, type InstanceProfileData, type InstanceProfileProps } from "../src/iam/InstanceProfile.js";
import { Role } from "../src/iam/Role.js";
import { desired, particleContext, createAndConfigure } from "./context.js";

/*
 * Where moto 5.2.1 differs from AWS for instance profiles (the code follows AWS):
 * - ListInstanceProfiles ignores PathPrefix and returns every profile; the
 *   particle filters by path again.
 * - ListInstanceProfiles returns Tags; AWS does not ("this operation does not
 *   return tags", API reference). The list test pins the GetInstanceProfile
 *   per profile that AWS needs, so it fails if the particle starts relying on
 *   moto's tags.
 * - ListInstanceProfileTags is not implemented; GetInstanceProfile is.
 * - RemoveRoleFromInstanceProfile for a role that is not in the profile
 *   answers HTTP 500; the particle only removes roles it read in the profile.
 */
const moto = useMoto();
/** A raw SDK client: it reaches moto through AWS_ENDPOINT_URL, set by useMoto(). */
const raw = new IAMClient({});
const profile = particleOf(InstanceProfile)!;
const role = particleOf(Role)!;

const PATH = "Role:app/InstanceProfile:app";

/** A role of the stack, made by the Role particle: its name is what `role` resolves to. */
async function makeRole(ctx: ParticleContext, name: string): Promise<string> {
  const props = role.normalize!({ ...role.defaults, tags: {}, assumedBy: "ec2.amazonaws.com" });
  return (await createAndConfigure(role, ctx, desired(ctx, `Role:${name}`, props))).id;
}

/** Props as the reconciler hands them to create and update: the parent reference resolved to the role's name. */
function props(p: InstanceProfileProps): InstanceProfileProps {
  return profile.normalize!({ tags: {}, ...p });
}

async function rawProfile(name: string) {
  return (await raw.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile!;
}

function tagsOf(tags: readonly { Key?: string; Value?: string }[] | undefined) {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key!, t.Value ?? ""]));
}

async function listed(ctx: ParticleContext, path = PATH): Promise<LiveResource<InstanceProfileData>> {
  const found = (await profile.list(ctx)).filter((l: LiveResource<InstanceProfileData>) => l.path === path);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe("InstanceProfile lifecycle against moto", () => {
  test("create sets path and tags in the create call and returns once IAM shows the role in it", async () => {
    const ctx = particleContext();
    const roleName = await makeRole(ctx, "app");
    const want = desired(ctx, PATH, props({ role: roleName, tags: { team: "analytics" } }));
    const from = (await moto.calls()).length;

    const live = await createAndConfigure(profile, ctx, want);

    expect(live.id).toBe("test-stack.app.app");
    expect(live.data.roles).toEqual([roleName]);
    expect(profile.outputs(live)).toEqual({
      id: "test-stack.app.app",
      name: "test-stack.app.app",
      arn: "arn:aws:iam::123456789012:instance-profile/jiti/test-stack/test-stack.app.app",
    });
    const created = await rawProfile(live.id);
    expect(created.Path).toBe("/jiti/test-stack/");
    expect(created.Roles!.map((r) => r.RoleName)).toEqual([roleName]);
    expect(tagsOf(created.Tags)).toEqual({
      team: "analytics",
      "jiti:stack": "test-stack",
      "jiti:path": PATH,
      "jiti:create-token": expect.any(String),
    });
    const ops = await moto.operations(from);
    expect(ops[0]).toBe("CreateInstanceProfile");
    expect(ops).not.toContain("TagInstanceProfile");
    // The last call is the read that saw the role in the profile.
    expect(ops.at(-1)).toBe("GetInstanceProfile");

    const found = await listed(ctx);
    expect(found).toMatchObject({ type: "aws.iam.InstanceProfile", id: live.id, stack: "test-stack" });
    expect(profile.observe(found)).toEqual(want.props);
  });

  test("a changed role is swapped in place; tags change by their difference; the id stays", async () => {
    const ctx = particleContext();
    const first = await makeRole(ctx, "app");
    const second = await makeRole(ctx, "other");
    const live = await createAndConfigure(profile, ctx, desired(ctx, PATH, props({ role: first, tags: { team: "a", gone: "x" } })));

    let want = desired(ctx, PATH, props({ role: second, tags: { team: "a", gone: "x" } }));
    const swapped = await profile.update(ctx, await listed(ctx), want, ["role"]);
    expect(swapped.id).toBe(live.id);
    expect((await rawProfile(live.id)).Roles!.map((r) => r.RoleName)).toEqual([second]);
    expect(profile.observe(await listed(ctx))).toEqual(want.props);

    want = desired(ctx, PATH, props({ role: second, tags: { team: "b", cost: "c1" } }));
    const from = (await moto.calls()).length;
    const retagged = await profile.update(ctx, await listed(ctx), want, ["tags"]);
    expect(retagged.id).toBe(live.id);
    expect(await moto.operations(from)).toEqual(expect.arrayContaining(["TagInstanceProfile", "UntagInstanceProfile"]));
    expect(tagsOf((await rawProfile(live.id)).Tags)).toEqual({
      team: "b",
      cost: "c1",
      "jiti:stack": "test-stack",
      "jiti:path": PATH,
      "jiti:create-token": expect.any(String),
    });
    expect(profile.observe(await listed(ctx))).toEqual(want.props);
  });

  test("a profile that lost its role (drift) gets it back by update", async () => {
    const ctx = particleContext();
    const roleName = await makeRole(ctx, "app");
    const want = desired(ctx, PATH, props({ role: roleName }));
    const live = await createAndConfigure(profile, ctx, want);
    await raw.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: live.id, RoleName: roleName }));

    const drifted = await listed(ctx);
    expect(profile.observe(drifted)).toEqual({ tags: {} });
    await profile.update(ctx, drifted, want, ["role"]);

    expect(profile.observe(await listed(ctx))).toEqual(want.props);
  });

  test("delete takes the role out and deletes the profile, not the role; again is a no-op", async () => {
    const ctx = particleContext();
    const roleName = await makeRole(ctx, "app");
    const live = await createAndConfigure(profile, ctx, desired(ctx, PATH, props({ role: roleName })));

    await profile.delete(ctx, await listed(ctx));

    await expect(raw.send(new GetInstanceProfileCommand({ InstanceProfileName: live.id }))).rejects.toMatchObject({ Code: "NoSuchEntity" });
    expect((await raw.send(new GetRoleCommand({ RoleName: roleName }))).Role!.RoleName).toBe(roleName);
    expect(await profile.list(ctx)).toEqual([]);
    await profile.delete(ctx, live);
  });

  test("create after a crash takes over the element's own profile; another's profile of that name is an error", async () => {
    const ctx = particleContext();
    const roleName = await makeRole(ctx, "app");
    // Killed between CreateInstanceProfile and AddRoleToInstanceProfile.
    await raw.send(
      new CreateInstanceProfileCommand({
        InstanceProfileName: "test-stack.app.app",
        Path: "/jiti/test-stack/",
        Tags: [
          { Key: "jiti:stack", Value: "test-stack" },
          { Key: "jiti:path", Value: PATH },
        ],
      }),
    );

    const live = await createAndConfigure(profile, ctx, desired(ctx, PATH, props({ role: roleName, tags: { team: "a" } })));
    expect(live.data.roles).toEqual([roleName]);
    expect(tagsOf((await rawProfile(live.id)).Tags)).toMatchObject({ team: "a" });

    await raw.send(new CreateInstanceProfileCommand({ InstanceProfileName: "test-stack.app.web", Path: "/" }));
    await expect(createAndConfigure(profile, ctx, desired(ctx, "Role:app/InstanceProfile:web", props({ role: roleName })))).rejects.toThrow(
      /InstanceProfile:web \(aws\.iam\.InstanceProfile\): an instance profile named "test-stack\.app\.web" already exists and jiti did not create it for this element/,
    );
  });
});

describe("InstanceProfile list", () => {
  test("one ListInstanceProfiles and the shared role details, whatever the number of profiles; GetInstanceProfile only for a profile without a role", async () => {
    const ctx = particleContext();
    const roleName = await makeRole(ctx, "app");
    for (const name of ["a", "b"])
      await createAndConfigure(profile, ctx, desired(ctx, `Role:app/InstanceProfile:${name}`, props({ role: roleName })));
    const other = particleContext("test-stack-2");
    await profile.create(other, desired(other, PATH, props({ role: roleName })));
    // moto 5.2.1 ignores PathPrefix in ListInstanceProfiles (AWS honours it):
    // the particle filters by path again, so these are never read.
    await raw.send(new CreateInstanceProfileCommand({ InstanceProfileName: "unrelated", Path: "/" }));
    await raw.send(new CreateInstanceProfileCommand({ InstanceProfileName: "deeper", Path: "/jiti/test-stack/x/" }));
    const all = (await raw.send(new ListInstanceProfilesCommand({ PathPrefix: "/jiti/test-stack/" }))).InstanceProfiles!;
    expect(all.map((p) => p.InstanceProfileName)).toContain("unrelated");
    const from = (await moto.calls()).length;

    const found = await profile.list(ctx);

    expect(found.map((l: LiveResource<InstanceProfileData>) => l.path).sort()).toEqual([
      "Role:app/InstanceProfile:a",
      "Role:app/InstanceProfile:b",
    ]);
    expect(await moto.operations(from)).toEqual(["ListInstanceProfiles", "GetAccountAuthorizationDetails"]);

    // A profile left without its role (a run killed between create and AddRoleToInstanceProfile)
    // is not in any role's details: it alone is read with GetInstanceProfile, so its tags still count.
    await raw.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: found[0]!.id, RoleName: roleName }));
    const next = particleContext();
    const from2 = (await moto.calls()).length;
    const again = await profile.list(next);
    expect(again.map((l: LiveResource<InstanceProfileData>) => l.path).sort()).toEqual([
      "Role:app/InstanceProfile:a",
      "Role:app/InstanceProfile:b",
    ]);
    expect(await moto.operations(from2)).toEqual(["ListInstanceProfiles", "GetAccountAuthorizationDetails", "GetInstanceProfile"]);
  });

  test("a profile under the stack's path without its jiti:stack tag is not the stack's", async () => {
    const ctx = particleContext();
    await raw.send(new CreateInstanceProfileCommand({ InstanceProfileName: "stray", Path: "/jiti/test-stack/" }));

    expect(await profile.list(ctx)).toEqual([]);
  });
});

describe("InstanceProfile lookup", () => {
  test("by id (the profile name) and by tags", async () => {
    const ctx = particleContext();
    await raw.send(new CreateRoleCommand({ RoleName: "shared-role", AssumeRolePolicyDocument: "{}" }));
    await raw.send(new CreateInstanceProfileCommand({ InstanceProfileName: "shared", Tags: [{ Key: "team", Value: "platform" }] }));
    await raw.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "shared", RoleName: "shared-role" }));
    await raw.send(new CreateInstanceProfileCommand({ InstanceProfileName: "other" }));

    const byId = await profile.lookup(ctx, { id: "shared" });
    expect(byId.map((l: LiveResource<InstanceProfileData>) => profile.outputs(l))).toEqual([
      { id: "shared", name: "shared", arn: "arn:aws:iam::123456789012:instance-profile/shared" },
    ]);
    expect(byId[0]!.data.roles).toEqual(["shared-role"]);
    expect((await profile.lookup(ctx, { tags: { team: "platform" } })).map((l: LiveResource<InstanceProfileData>) => l.id)).toEqual([
      "shared",
    ]);
    expect(await profile.lookup(ctx, { id: "missing" })).toEqual([]);
  });
});
