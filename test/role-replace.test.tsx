import { GetInstanceProfileCommand, GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { InstanceProfile, Role, Stack, particles } from "@jiti/aws-particles";
import { apply, plan } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import { useMoto } from "@jiti/testkit";

useMoto();

const stack = (description: string) => (
  <Stack name="iam">
    <Role name="app" assumedBy="ec2.amazonaws.com" description={description} replaceOnChanges={["description"]}>
      <InstanceProfile name="app" />
    </Role>
  </Stack>
);

describe("replacing a role", () => {
  it("puts the new role into the profile, which keeps its id", async () => {
    const first = await apply(stack("one"), { particles });
    const iam = new IAMClient({});
    const before = await iam.send(new GetRoleCommand({ RoleName: first.outputs["Role:app"]!.id as string }));

    const second = await apply(stack("two"), { particles });
    expect(second.plan.actions.filter((a) => a.action !== "noop").map((a) => `${a.action} ${a.path}`)).toEqual([
      "replace Role:app",
      "update Role:app/InstanceProfile:app",
    ]);
    const after = await iam.send(new GetRoleCommand({ RoleName: second.outputs["Role:app"]!.id as string }));
    // Same derived name, new role.
    expect(after.Role!.RoleId).not.toBe(before.Role!.RoleId);
    expect(after.Role!.Description).toBe("two");
    const profile = await iam.send(
      new GetInstanceProfileCommand({ InstanceProfileName: second.outputs["Role:app/InstanceProfile:app"]!.id as string }),
    );
    expect(profile.InstanceProfile!.Roles!.map((r) => r.RoleId)).toEqual([after.Role!.RoleId]);
    expect(second.outputs["Role:app/InstanceProfile:app"]!.id).toBe(first.outputs["Role:app/InstanceProfile:app"]!.id);

    const again = await plan(stack("two"), { particles });
    expect(again.plan.actions.filter((a) => a.action !== "noop")).toEqual([]);
  });
});
