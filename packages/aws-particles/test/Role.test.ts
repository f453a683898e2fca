import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { jsx, type JitiNode } from "@jiti/jsx-runtime";
import { apply, pathSegments, plan, renderTree, Stack, type JsonObject, type LiveResource } from "@jiti/reconciler";
import { particleOf, type Desired, type ParticleContext } from "@jiti/reconciler/particle";
import { describe, expect, test } from "vitest";
import { useMoto } from "@jiti/testkit";
import { InstanceProfile } from "../src/iam/InstanceProfile.js";
import { Role, type RoleData, type RoleProps } from "../src/iam/Role.js";
import { desired, particleContext, createAndConfigure } from "./context.js";

/*
 * Where moto 5.2.1 differs from AWS for roles (the code follows AWS):
 * - GetAccountAuthorizationDetails returns RolePolicyList (URL-encoded, as
 *   AWS), AttachedManagedPolicies, Tags and InstanceProfileList, but never
 *   paginates (IsTruncated is always false): the paginated path is AWS-only.
 * - ListRoles and GetAccountAuthorizationDetails return the trust policy as
 *   plain JSON; AWS URL-encodes it (moto's GetRole and inline policies are
 *   URL-encoded, as AWS's). "Equivalent policies" below reads both shapes
 *   back through list.
 * - UpdateRole without MaxSessionDuration resets it to 3600 (AWS keeps it):
 *   the particle always sends both fields.
 * - AWS-managed policy ARNs exist only with MOTO_IAM_LOAD_MANAGED_POLICIES;
 *   these tests attach customer-managed policies instead.
 */
const moto = useMoto();
/** A raw SDK client: it reaches moto through AWS_ENDPOINT_URL, set by useMoto(). */
const raw = new IAMClient({});
const role = particleOf(Role)!;

/** Props as render hands them on: defaults applied, then the canonical form. */
function props(p: RoleProps): RoleProps {
  return role.normalize!({ ...role.defaults, tags: {}, ...p });
}

const TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
} as const;

const readAssets = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::assets/*" }],
} as const;

async function customerPolicy(name: string): Promise<string> {
  const out = await raw.send(
    new CreatePolicyCommand({
      PolicyName: name,
      PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "logs:*", Resource: "*" }] }),
    }),
  );
  return out.Policy!.Arn!;
}

async function rawRole(name: string) {
  return (await raw.send(new GetRoleCommand({ RoleName: name }))).Role!;
}

/** A document as GetRole and GetRolePolicy return it: URL-encoded JSON (RFC 3986), on AWS and in moto. */
function rawDocument(text: string): JsonObject {
  return JSON.parse(decodeURIComponent(text)) as JsonObject;
}

async function rawInlinePolicies(name: string): Promise<Record<string, JsonObject>> {
  const names = (await raw.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? [];
  const out: Record<string, JsonObject> = {};
  for (const policy of names) {
    out[policy] = rawDocument((await raw.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policy }))).PolicyDocument!);
  }
  return out;
}

/** The one live role of the stack that `list` finds at `path`. */
async function listed(ctx: ParticleContext, path: string): Promise<LiveResource<RoleData>> {
  const found = (await role.list(ctx)).filter((l: LiveResource<RoleData>) => l.path === path);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** What a second plan would compare: nothing differs between desired and observed. */
async function expectConverged(ctx: ParticleContext, want: Desired<RoleProps>) {
  expect(role.observe(await listed(ctx, want.path))).toEqual(want.props);
}

async function expectGone(name: string) {
  await expect(raw.send(new GetRoleCommand({ RoleName: name }))).rejects.toMatchObject({ Code: "NoSuchEntity" });
}

describe("Role lifecycle against moto", () => {
  test("create sets path and tags in the create call; list finds it; observe equals the desired props", async () => {
    const ctx = particleContext();
    const want = desired(
      ctx,
      "Role:app",
      props({ assumedBy: "ec2.amazonaws.com", description: "web servers", tags: { team: "analytics" } }),
    );

    const live = await createAndConfigure(role, ctx, want);

    expect(live.id).toBe("test-stack.app");
    expect(role.outputs(live)).toEqual({
      id: "test-stack.app",
      name: "test-stack.app",
      arn: "arn:aws:iam::123456789012:role/jiti/test-stack/test-stack.app",
    });
    const created = await rawRole("test-stack.app");
    expect(created.Path).toBe("/jiti/test-stack/");
    expect(created.Description).toBe("web servers");
    expect(created.MaxSessionDuration).toBe(3600);
    expect(rawDocument(created.AssumeRolePolicyDocument!)).toEqual(TRUST);
    expect(Object.fromEntries(created.Tags!.map((t) => [t.Key, t.Value]))).toEqual({
      team: "analytics",
      "jiti:stack": "test-stack",
      "jiti:path": "Role:app",
      "jiti:create-token": expect.any(String),
    });
    // What create and configure answer is what AWS holds, without reading it back.
    expect(live).toEqual((await role.list(ctx)).find((r: LiveResource<RoleData>) => r.id === live.id));
    // Ownership from the create call itself: never a moment without the tags.
    const ops = await moto.operations();
    expect(ops[0]).toBe("CreateRole");
    expect(ops).not.toContain("TagRole");

    const found = await listed(ctx, "Role:app");
    expect(found).toMatchObject({ type: "aws.iam.Role", id: "test-stack.app", stack: "test-stack" });
    expect(role.observe(found)).toEqual(want.props);
  });

  test("every updatable prop changes in place, only by its difference, and the role keeps its id", async () => {
    const ctx = particleContext();
    const logs = await customerPolicy("logs");
    const metrics = await customerPolicy("metrics");
    let want = desired(
      ctx,
      "Role:app",
      props({
        assumedBy: "ec2.amazonaws.com",
        inlinePolicies: { "read-assets": readAssets as never, old: readAssets as never },
        managedPolicies: [logs],
        tags: { team: "a", gone: "x" },
      }),
    );
    let live = await createAndConfigure(role, ctx, want);
    const id = live.id;
    await expectConverged(ctx, want);

    const update = async (p: RoleProps, changed: (keyof RoleProps & string)[]) => {
      want = desired(ctx, "Role:app", props(p));
      const from = (await moto.calls()).length;
      live = await role.update(ctx, await listed(ctx, "Role:app"), want, changed);
      expect(live.id).toBe(id);
      await expectConverged(ctx, want);
      return (await moto.operations(from)).filter((op) => !["ListRoles", "GetAccountAuthorizationDetails"].includes(op));
    };
    const base: RoleProps = {
      assumedBy: "ec2.amazonaws.com",
      inlinePolicies: { "read-assets": readAssets as never, old: readAssets as never },
      managedPolicies: [logs],
      tags: { team: "a", gone: "x" },
    };

    // assumedBy: a new trust policy.
    let ops = await update({ ...base, assumedBy: ["ssm.amazonaws.com", "ec2.amazonaws.com"] }, ["trustPolicy"]);
    expect(ops).toContain("UpdateAssumeRolePolicy");
    expect(rawDocument((await rawRole(id)).AssumeRolePolicyDocument!)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: ["ec2.amazonaws.com", "ssm.amazonaws.com"] }, Action: "sts:AssumeRole" }],
    });

    // trustPolicy written out in full, with a condition.
    const trustPolicy = {
      ...TRUST,
      Statement: [{ ...TRUST.Statement[0], Condition: { StringEquals: { "aws:SourceAccount": ["123456789012"] } } }],
    };
    delete base.assumedBy;
    base.trustPolicy = trustPolicy as never;
    ops = await update(base, ["trustPolicy"]);
    expect(rawDocument((await rawRole(id)).AssumeRolePolicyDocument!).Statement).toEqual([
      {
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
        Effect: "Allow",
        Principal: { Service: "ec2.amazonaws.com" },
      },
    ]);

    // inlinePolicies: one changed, one new, one removed, one untouched; only the difference is sent.
    const writeAssets = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::assets/*" }],
    };
    ops = await update({ ...base, inlinePolicies: { "read-assets": readAssets as never, "write-assets": writeAssets as never } }, [
      "inlinePolicies",
    ]);
    expect(ops.filter((op) => op === "PutRolePolicy")).toHaveLength(1);
    expect(ops.filter((op) => op === "DeleteRolePolicy")).toHaveLength(1);
    // Sent in the canonical form: a one-element list as a bare string.
    expect(await rawInlinePolicies(id)).toEqual({
      "read-assets": { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::assets/*" }] },
      "write-assets": writeAssets,
    });

    // managedPolicies: one attached, one detached, none touched twice.
    ops = await update(
      { ...base, inlinePolicies: { "read-assets": readAssets as never, "write-assets": writeAssets as never }, managedPolicies: [metrics] },
      ["managedPolicies"],
    );
    expect(ops.filter((op) => op === "AttachRolePolicy")).toHaveLength(1);
    expect(ops.filter((op) => op === "DetachRolePolicy")).toHaveLength(1);
    expect((await raw.send(new ListAttachedRolePoliciesCommand({ RoleName: id }))).AttachedPolicies!.map((p) => p.PolicyArn)).toEqual([
      metrics,
    ]);
    base.inlinePolicies = { "read-assets": readAssets as never, "write-assets": writeAssets as never };
    base.managedPolicies = [metrics];

    // description and maxSessionDuration.
    await update({ ...base, description: "now described", maxSessionDuration: 7200 }, ["description", "maxSessionDuration"]);
    expect(await rawRole(id)).toMatchObject({ Description: "now described", MaxSessionDuration: 7200 });
    await update({ ...base, maxSessionDuration: 7200 }, ["description"]);
    expect((await rawRole(id)).Description ?? "").toBe("");
    expect((await rawRole(id)).MaxSessionDuration).toBe(7200);

    // tags: one changed, one added, one removed; ownership tags stay.
    ops = await update({ ...base, maxSessionDuration: 7200, tags: { team: "b", cost: "c1" } }, ["tags"]);
    expect(ops).toEqual(expect.arrayContaining(["TagRole", "UntagRole"]));
    expect(Object.fromEntries((await rawRole(id)).Tags!.map((t) => [t.Key, t.Value]))).toEqual({
      team: "b",
      cost: "c1",
      "jiti:create-token": expect.any(String),
      "jiti:stack": "test-stack",
      "jiti:path": "Role:app",
    });
  });

  test("delete detaches, deletes inline policies, leaves the stack's instance profiles, deletes; again is a no-op", async () => {
    const ctx = particleContext();
    const logs = await customerPolicy("logs");
    const live = await createAndConfigure(
      role,
      ctx,
      desired(
        ctx,
        "Role:app",
        props({ assumedBy: "ec2.amazonaws.com", inlinePolicies: { "read-assets": readAssets as never }, managedPolicies: [logs] }),
      ),
    );
    await raw.send(new CreateInstanceProfileCommand({ InstanceProfileName: "p", Path: "/jiti/test-stack/" }));
    await raw.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "p", RoleName: live.id }));

    await role.delete(ctx, await listed(ctx, "Role:app"));

    await expectGone(live.id);
    expect((await raw.send(new GetInstanceProfileCommand({ InstanceProfileName: "p" }))).InstanceProfile!.Roles).toEqual([]);
    expect(await role.list(ctx)).toEqual([]);
    await role.delete(ctx, live);
  });

  test("delete refuses to take the role out of an instance profile the stack does not own", async () => {
    const ctx = particleContext();
    const live = await createAndConfigure(role, ctx, desired(ctx, "Role:app", props({ assumedBy: "ec2.amazonaws.com" })));
    await raw.send(new CreateInstanceProfileCommand({ InstanceProfileName: "theirs", Path: "/team/" }));
    await raw.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "theirs", RoleName: live.id }));

    await expect(role.delete(ctx, live)).rejects.toThrow(
      /Role:app \(aws\.iam\.Role\): the role test-stack\.app is in instance profiles that this stack does not own \(found: \/team\/theirs\)\. .*remove the role from those profiles/,
    );
    expect(
      (await raw.send(new GetInstanceProfileCommand({ InstanceProfileName: "theirs" }))).InstanceProfile!.Roles!.map((r) => r.RoleName),
    ).toEqual([live.id]);
    expect((await rawRole(live.id)).RoleName).toBe(live.id);
  });

  test("create after a crash takes over the element's own role; another's role of that name is an error", async () => {
    const ctx = particleContext();
    const want = desired(ctx, "Role:app", props({ assumedBy: "ec2.amazonaws.com", description: "d" }));
    const first = await createAndConfigure(role, ctx, want);

    const again = await createAndConfigure(
      role,
      ctx,
      desired(ctx, "Role:app", props({ assumedBy: "ec2.amazonaws.com", description: "changed meanwhile" })),
    );
    expect(again.id).toBe(first.id);
    expect((await rawRole(first.id)).Description).toBe("changed meanwhile");

    await raw.send(new CreateRoleCommand({ RoleName: "test-stack.other", AssumeRolePolicyDocument: JSON.stringify(TRUST) }));
    await expect(createAndConfigure(role, ctx, desired(ctx, "Role:other", props({ assumedBy: "ec2.amazonaws.com" })))).rejects.toThrow(
      /Role:other \(aws\.iam\.Role\): an IAM role named "test-stack\.other" already exists and jiti did not create it for this element \(found: path \/, jiti:stack none, jiti:path none\)/,
    );
  });
});

describe("Role list", () => {
  test("two calls however many roles: ListRoles under /jiti/<stack>/, then GetAccountAuthorizationDetails", async () => {
    const ctx = particleContext();
    for (const name of ["a", "b", "c"]) {
      await createAndConfigure(
        role,
        ctx,
        desired(ctx, `Role:${name}`, props({ assumedBy: "ec2.amazonaws.com", inlinePolicies: { p: readAssets as never } })),
      );
    }
    const from = (await moto.calls()).length;

    const found = await role.list(ctx);

    expect(found.map((l: LiveResource<RoleData>) => l.path).sort()).toEqual(["Role:a", "Role:b", "Role:c"]);
    expect(await moto.operations(from)).toEqual(["ListRoles", "GetAccountAuthorizationDetails"]);
  });

  test("a stack without roles costs one ListRoles call", async () => {
    await raw.send(new CreateRoleCommand({ RoleName: "unrelated", AssumeRolePolicyDocument: JSON.stringify(TRUST) }));

    expect(await role.list(particleContext("empty"))).toEqual([]);
    expect(await moto.operations()).toEqual(["CreateRole", "ListRoles"]);
  });

  test("finds only roles under the stack's IAM path that carry its jiti:stack tag", async () => {
    const ctx = particleContext();
    await createAndConfigure(role, ctx, desired(ctx, "Role:mine", props({ assumedBy: "ec2.amazonaws.com" })));
    const other = particleContext("test-stack-2");
    await role.create(other, desired(other, "Role:mine", props({ assumedBy: "ec2.amazonaws.com" })));
    const tags = [
      { Key: "jiti:stack", Value: "test-stack" },
      { Key: "jiti:path", Value: "Role:x" },
    ];
    // Under our path without our tag, and with our tag outside our path: neither is ours.
    await raw.send(
      new CreateRoleCommand({ RoleName: "untagged", Path: "/jiti/test-stack/", AssumeRolePolicyDocument: JSON.stringify(TRUST) }),
    );
    await raw.send(
      new CreateRoleCommand({ RoleName: "elsewhere", Path: "/", AssumeRolePolicyDocument: JSON.stringify(TRUST), Tags: tags }),
    );
    await raw.send(
      new CreateRoleCommand({
        RoleName: "deeper",
        Path: "/jiti/test-stack/x/",
        AssumeRolePolicyDocument: JSON.stringify(TRUST),
        Tags: tags,
      }),
    );

    expect((await role.list(ctx)).map((l: LiveResource<RoleData>) => l.id)).toEqual(["test-stack.mine"]);
    expect((await role.list(other)).map((l: LiveResource<RoleData>) => l.id)).toEqual(["test-stack-2.mine"]);
  });

  test("policies AWS returns in another shape (URL-encoded, a one-element list, other key order) observe as the desired ones", async () => {
    const ctx = particleContext();
    const want = desired(
      ctx,
      "Role:app",
      props({ assumedBy: "ec2.amazonaws.com", inlinePolicies: { "read-assets": readAssets as never } }),
    );
    const live = await createAndConfigure(role, ctx, want);
    // Same policy, written by someone else in another shape.
    await raw.send(
      new PutRolePolicyCommand({
        RoleName: live.id,
        PolicyName: "read-assets",
        PolicyDocument:
          '{"Statement":{"Resource":["arn:aws:s3:::assets/*"],"Action":"s3:GetObject","Effect":"Allow"},"Version":"2012-10-17"}',
      }),
    );

    await expectConverged(ctx, want);
  });
});

describe("Role lookup", () => {
  test("by id (the role name) and by tags; nothing found is an empty list", async () => {
    const ctx = particleContext();
    await raw.send(
      new CreateRoleCommand({
        RoleName: "shared",
        AssumeRolePolicyDocument: JSON.stringify(TRUST),
        Tags: [{ Key: "team", Value: "platform" }],
      }),
    );
    await raw.send(new CreateRoleCommand({ RoleName: "other", AssumeRolePolicyDocument: JSON.stringify(TRUST) }));

    const byId = await role.lookup(ctx, { id: "shared" });
    expect(byId.map((l: LiveResource<RoleData>) => role.outputs(l))).toEqual([
      { id: "shared", name: "shared", arn: "arn:aws:iam::123456789012:role/shared" },
    ]);
    expect((await role.lookup(ctx, { tags: { team: "platform" } })).map((l: LiveResource<RoleData>) => l.id)).toEqual(["shared"]);
    expect(await role.lookup(ctx, { id: "missing" })).toEqual([]);
    expect(await role.lookup(ctx, { tags: { team: "nobody" } })).toEqual([]);
  });
});

/** `<Stack name={stack}>{children}</Stack>`, for the reconciler's plan and apply. */
function stackOf(stack: string, children: JitiNode | JitiNode[]) {
  return jsx(Stack, { name: stack, children });
}

/** Only the IAM particles: these stacks hold nothing else. */
const iamRun = { particles: [role, particleOf(InstanceProfile)!] };

describe("equivalent policies: a plan after the apply shows no change", () => {
  const statement = (extra: object) => ({ Effect: "Allow", Action: "sts:AssumeRole", ...extra });

  test.each([
    [
      "actions and resources as sets: sorted, without duplicates, a one-element list as a bare string, keys in any order",
      {
        assumedBy: "ec2.amazonaws.com",
        inlinePolicies: {
          p: {
            Version: "2012-10-17",
            Statement: [
              { Effect: "Deny", Action: "s3:DeleteObject", Resource: "*" },
              { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject", "s3:GetObject"], Resource: ["*"] },
            ],
          },
        },
      },
      {
        assumedBy: "ec2.amazonaws.com",
        inlinePolicies: {
          p: {
            Version: "2012-10-17",
            Statement: [
              { Resource: ["*"], Action: ["s3:DeleteObject"], Effect: "Deny" },
              { Resource: "*", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"] },
            ],
          },
        },
      },
    ],
    [
      "an account id principal and the :root ARN AWS stores for it",
      { trustPolicy: { Version: "2012-10-17", Statement: [statement({ Principal: { AWS: "123456789012" } })] } },
      { trustPolicy: { Version: "2012-10-17", Statement: [statement({ Principal: { AWS: ["arn:aws:iam::123456789012:root"] } })] } },
    ],
    [
      // Inline policies come back URL-encoded (a "%" as "%25"), the trust policy as plain JSON: each is decoded once, or not at all.
      "a % in a document, which AWS returns URL-encoded or as plain JSON",
      {
        trustPolicy: {
          Version: "2012-10-17",
          Statement: [
            statement({
              Principal: { Service: "ec2.amazonaws.com" },
              Condition: { StringLike: { "aws:SourceArn": "arn:aws:s3:::a%20b" } },
            }),
          ],
        },
        inlinePolicies: {
          p: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::a%20b/*" }] },
        },
      },
      undefined,
    ],
  ])("%s", async (_, written, rewritten) => {
    await apply(stackOf("s", jsx(Role, { name: "app", ...written } as never)), iamRun);
    const again = await plan(stackOf("s", jsx(Role, { name: "app", ...(rewritten ?? written) } as never)), iamRun);
    expect(again.plan.actions.map((a) => [a.path, a.action])).toEqual([["Role:app", "noop"]]);
  });

  test("statements keep their order: the canonical form render hands on, and another order is a change", async () => {
    const deny = { Effect: "Deny", Action: "s3:DeleteObject", Resource: "*" };
    const allow = { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: ["*"] };
    const roleOf = (statements: object[]) =>
      jsx(Role, {
        name: "app",
        assumedBy: "ec2.amazonaws.com",
        inlinePolicies: { p: { Version: "2012-10-17", Statement: statements } },
      } as never);
    const rendered = renderTree(stackOf("s", roleOf([deny, allow]))).children[0]!.props as unknown as RoleProps;
    expect(rendered.inlinePolicies).toEqual({
      p: {
        Version: "2012-10-17",
        Statement: [
          { Action: "s3:DeleteObject", Effect: "Deny", Resource: "*" },
          { Action: ["s3:GetObject", "s3:PutObject"], Effect: "Allow", Resource: "*" },
        ],
      },
    });

    await apply(stackOf("s", roleOf([deny, allow])), iamRun);
    const reordered = await plan(stackOf("s", roleOf([allow, deny])), iamRun);
    expect(reordered.plan.actions.map((a) => [a.path, a.action, ...a.changes.map((c) => c.field)])).toEqual([
      ["Role:app", "update", "inlinePolicies"],
    ]);
  });
});

describe("IAM names, as AWS holds them", () => {
  /** Applies `children` as stack `stack`; the IAM name of each element, each checked to exist in AWS. */
  async function namesIn(stack: string, children: JitiNode[]): Promise<Record<string, string>> {
    const { outputs } = await apply(stackOf(stack, children), iamRun);
    const names = Object.fromEntries(Object.entries(outputs).map(([path, out]) => [path, out.name as string]));
    for (const [path, name] of Object.entries(names)) {
      const found =
        pathSegments(path).at(-1)!.component === "InstanceProfile"
          ? (await raw.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile!
          : await rawRole(name);
      expect(found.Path, path).toBe(`/jiti/${stack}/`);
    }
    return names;
  }
  const ec2Role = (name: string | undefined, ...profiles: string[]) =>
    jsx(Role, {
      ...(name === undefined ? {} : { name }),
      assumedBy: "ec2.amazonaws.com",
      children: profiles.map((p) => jsx(InstanceProfile, { name: p })),
    } as never);

  test("readable: the stack, then the names along the path", async () => {
    expect(await namesIn("web-app-dev", [ec2Role("app", "app"), ec2Role("api.v2")])).toEqual({
      "Role:app": "web-app-dev.app",
      "Role:app/InstanceProfile:app": "web-app-dev.app.app",
      "Role:api.v2": "web-app-dev.api.v2",
    });
    // An element without a name (the only <Role> of its parent) is named by its component.
    expect(await namesIn("web-app-dev", [ec2Role(undefined)])).toEqual({ Role: "web-app-dev.Role" });
  });

  test("stack names have no dot, so one stack's names never meet another's", async () => {
    const [first, second] = [await namesIn("a-b", [ec2Role("c")]), await namesIn("a", [ec2Role("b-c")])];
    expect([first["Role:c"], second["Role:b-c"]]).toEqual(["a-b.c", "a.b-c"]);
  });

  test("too long for IAM's 64 characters: cut, and ended by a hash of the stack and path", async () => {
    const stack = "a-stack-name-of-32-characters-xx";
    const names = await namesIn(stack, [ec2Role("a-role-name-that-is-rather-long-too"), ec2Role("a-role-name-that-is-rather-long-to0")]);
    const [long, other] = [names["Role:a-role-name-that-is-rather-long-too"]!, names["Role:a-role-name-that-is-rather-long-to0"]!];
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^a-stack-name-of-32-characters-xx\.a-role-name-.*-[0-9a-f]{8}$/);
    expect(other).not.toBe(long);
  });

  test("ambiguous with a dot in a name of a longer path: ended by a hash", async () => {
    // "r.x" + "p" and "r" + "x.p" would both read s.r.x.p.
    const names = await namesIn("s", [ec2Role("r.x", "p"), ec2Role("r", "x.p")]);
    expect(names["Role:r.x/InstanceProfile:p"]).toMatch(/^s\.r\.x\.p-[0-9a-f]{8}$/);
    expect(names["Role:r/InstanceProfile:x.p"]).toMatch(/^s\.r\.x\.p-[0-9a-f]{8}$/);
    expect(names["Role:r.x/InstanceProfile:p"]).not.toBe(names["Role:r/InstanceProfile:x.p"]);
  });
});
