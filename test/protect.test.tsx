/**
 * `protect` against the emulator: the tag on the AWS resource, and the
 * refusals of a replace, a delete and a destroy from tags alone, with AWS
 * left as it was; then lifting it.
 */
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { particles, Role, Stack, Subnet, Vpc } from "@jiti/aws-particles";
import { apply, destroy, ProtectionError, type ApplyOutcome } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import { mutations, useMoto } from "@jiti/testkit";

const moto = useMoto();
const options = { particles };
const ec2 = new EC2Client({});
const iam = new IAMClient({ region: "us-east-1" });

function stack(o: { protect?: boolean; cidr?: string; subnet?: boolean } = {}) {
  return (
    <Stack name="guarded">
      <Role name="app" assumedBy="ec2.amazonaws.com" {...(o.protect ? { protect: true } : {})} />
      <Vpc name="main" cidr="10.0.0.0/16">
        {o.subnet !== false && <Subnet name="data" cidr={o.cidr ?? "10.0.1.0/24"} {...(o.protect ? { protect: true } : {})} />}
      </Vpc>
    </Stack>
  );
}

const tagsOf = (tags: { Key?: string; Value?: string }[] | undefined) => Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]));

async function subnets() {
  const out = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "tag:jiti:stack", Values: ["guarded"] }] }));
  return (out.Subnets ?? []).map((s) => ({ id: s.SubnetId, cidr: s.CidrBlock, tags: tagsOf(s.Tags) }));
}

/** The messages a refused run gave, and the changes it made (none, when refused). */
async function refused(run: Promise<ApplyOutcome>): Promise<string[]> {
  const from = (await moto.calls()).length;
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProtectionError);
  expect(mutations((await moto.calls()).slice(from))).toEqual([]);
  return (error as ProtectionError).problems.map((p) => `${p.path}: ${p.message}`);
}

describe("protect against the emulator", () => {
  it("puts jiti:protect on the resources, refuses a replace, a delete and a destroy from tags, and lifts by an apply", async () => {
    await apply(stack({ protect: true }), options);
    const [subnet] = await subnets();
    expect(subnet!.tags["jiti:protect"]).toBe("true");
    const role = await iam.send(new GetRoleCommand({ RoleName: "guarded.app" }));
    expect(tagsOf(role.Role?.Tags)["jiti:protect"]).toBe("true");

    expect(await refused(apply(stack({ protect: true, cidr: "10.0.2.0/24" }), options))).toEqual([
      "Vpc:main/Subnet:data: is protected, but the plan would replace it: cidr forces a new resource",
    ]);
    expect(await refused(apply(stack({ protect: true, subnet: false }), options))).toEqual([
      "Vpc:main/Subnet:data: is protected, but the plan would delete it (not in the tree any more)",
    ]);
    // From tags alone, without stack.tsx: the tag says it.
    expect((await refused(destroy("guarded", options))).sort()).toEqual([
      "Role:app: is protected, but the plan would delete it (destroying the stack)",
      "Vpc:main/Subnet:data: is protected, but the plan would delete it (destroying the stack)",
    ]);
    expect(await subnets()).toEqual([subnet]);

    // Lifting: remove protect and apply (a tag update, the id kept), then the destroy goes through.
    const lifted = await apply(stack(), options);
    expect(lifted.plan.summary).toMatchObject({ update: 2, replace: 0, delete: 0 });
    const [after] = await subnets();
    expect(after!.id).toBe(subnet!.id);
    expect(after!.tags["jiti:protect"]).toBeUndefined();
    expect(tagsOf((await iam.send(new GetRoleCommand({ RoleName: "guarded.app" }))).Role?.Tags)["jiti:protect"]).toBeUndefined();
    await destroy("guarded", options);
    expect(await subnets()).toEqual([]);
    const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "tag:jiti:stack", Values: ["guarded"] }] }));
    expect(vpcs.Vpcs).toEqual([]);
  });
});
