import { DescribeVpcAttributeCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetInstanceProfileCommand, IAMClient } from "@aws-sdk/client-iam";
import { particles } from "@jiti/aws-particles";
import { apply, plan } from "@jiti/reconciler";
import { afterEach, describe, expect, it } from "vitest";
import WebApp from "../examples/web-app/stack.js";
import { useMoto } from "@jiti/testkit";

const moto = useMoto();
const options = { particles, sourceRoot: "examples/web-app" };
const READ = /^(Describe|List|Get)/;

const clients = [EC2Client, IAMClient] as const;
const realSends = clients.map((c) => c.prototype.send);
afterEach(() => clients.forEach((c, i) => (c.prototype.send = realSends[i]!)));

/** From the `after`-th mutating call on, every AWS call fails: the process died there. */
function dieAfter(after: number) {
  let mutations = 0;
  clients.forEach((client, i) => {
    const send = realSends[i]! as (...args: unknown[]) => Promise<unknown>;
    client.prototype.send = function (this: unknown, command: { constructor: { name: string } }, ...rest: unknown[]) {
      const name = command.constructor.name.replace(/Command$/, "");
      if (mutations >= after) return Promise.reject(Object.assign(new Error("the process was killed"), { name: "Killed" }));
      if (!READ.test(name)) mutations++;
      return send.call(this, command, ...rest);
    } as never;
  });
}

describe("an apply killed at any moment, run again, converges", () => {
  // The web-app stack makes 17 mutating calls from empty: die after each of them but the last.
  it.each(Array.from({ length: 16 }, (_, i) => i + 1))(
    "killed after %i mutating calls: no duplicate, no orphan, nothing left to do",
    async (after) => {
      dieAfter(after);
      await expect(apply(<WebApp env="dev" />, options)).rejects.toThrow();
      clients.forEach((c, i) => (c.prototype.send = realSends[i]!));

      const rerun = await apply(<WebApp env="dev" />, options);
      expect(rerun.plan.notes.filter((n) => n.includes("have the path"))).toEqual([]);
      const again = await plan(<WebApp env="dev" />, options);
      expect(again.plan.actions.filter((a) => a.action !== "noop")).toEqual([]);
      // Exactly one live resource per element, all of them the stack's.
      expect(again.snapshot.owned.map((l) => l.path).sort()).toEqual(Object.keys(rerun.outputs).sort());
      // And AWS holds what the plan believes: attributes recorded in tags were really applied.
      const ec2 = new EC2Client({});
      const vpcId = rerun.outputs["Vpc:main"]!.id as string;
      const hostnames = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: "enableDnsHostnames" }));
      expect(hostnames.EnableDnsHostnames?.Value).toBe(true);
      const profile = await new IAMClient({}).send(
        new GetInstanceProfileCommand({ InstanceProfileName: rerun.outputs["Role:app/InstanceProfile:app"]!.id as string }),
      );
      expect(profile.InstanceProfile!.Roles!.map((r) => r.RoleName)).toEqual([rerun.outputs["Role:app"]!.id]);
      expect((await moto.calls()).length).toBeGreaterThan(0);
    },
    30_000,
  );
});
