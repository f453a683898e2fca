import { ref } from "@jiti/jsx-runtime";
import { apply, destroy, plan, Stack, type Plan } from "@jiti/reconciler";
import { particleOf } from "@jiti/reconciler/particle";
import { describe, expect, test } from "vitest";
import { useMoto } from "@jiti/testkit";
import { InternetGateway } from "../src/ec2/InternetGateway.js";
import { RouteTable } from "../src/ec2/RouteTable.js";
import { SecurityGroup } from "../src/ec2/SecurityGroup.js";
import { Subnet } from "../src/ec2/Subnet.js";
import { Vpc } from "../src/ec2/Vpc.js";

useMoto();
const particles = [Vpc, Subnet, InternetGateway, RouteTable, SecurityGroup].map((c) => particleOf(c)!);

/**
 * Four public subnets behind one route table, and three security groups
 * referring to each other. Path order and id order (random) usually
 * differ, so the plan must compare ids sorted again after references are
 * resolved. `v` changes the network step by step.
 */
function Network({ v }: { v: 1 | 2 | 3 }) {
  const gw = ref(InternetGateway);
  const names = ["d", "c", "b", "a"];
  const subnets = names.map(() => ref(Subnet));
  const lb = ref(SecurityGroup);
  const app = ref(SecurityGroup);
  return (
    <Stack name="net">
      <Vpc name="main" cidr="10.0.0.0/16">
        <InternetGateway name="gw" ref={gw} />
        {names.map((name, i) => (
          <Subnet name={name} ref={subnets[i]} cidr={`10.0.${i}.0/24`} zone={i % 2} public={v === 1 || name !== "a"} />
        ))}
        <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway: gw }]} subnets={v === 1 ? subnets : subnets.slice(0, 3)} />
        <SecurityGroup
          name="lb"
          ref={lb}
          description={v === 3 ? "Load balancer" : undefined}
          ingress={[{ port: 443, from: "0.0.0.0/0" }]}
        />
        <SecurityGroup
          name="app"
          ref={app}
          ingress={
            v === 1
              ? [{ port: 8080, from: [lb, "10.9.0.0/16"] }]
              : [
                  { port: 8080, from: lb },
                  { protocol: "icmp", from: "10.0.0.0/16" },
                ]
          }
          {...(v === 1 ? {} : { egress: [{ port: 443 }], tags: { tier: "app" } })}
        />
        <SecurityGroup name="db" ingress={[{ port: 5432, from: [app, lb] }]} egress={[]} />
      </Vpc>
    </Stack>
  );
}

const changes = (p: Plan) => p.actions.filter((a) => a.action !== "noop").map((a) => [a.path, a.action, ...a.changes.map((c) => c.field)]);

describe("the network particles through the reconciler", () => {
  test("apply, then plan again: nothing to do; changes update in place or replace, and converge", async () => {
    const first = await apply(<Network v={1} />, { particles });
    expect(first.plan.summary).toMatchObject({ create: 10 });
    expect(changes((await plan(<Network v={1} />, { particles })).plan)).toEqual([]);

    const second = await apply(<Network v={2} />, { particles });
    expect(changes(second.plan)).toEqual([
      ["Vpc:main/Subnet:a", "update", "public"],
      ["Vpc:main/RouteTable:public", "update", "subnets"],
      ["Vpc:main/SecurityGroup:app", "update", "egress", "ingress", "tags"],
    ]);
    expect(changes((await plan(<Network v={2} />, { particles })).plan)).toEqual([]);

    // A new description replaces the group, the new one created first: its
    // derived name must differ from the old one's in the same VPC.
    const third = await apply(<Network v={3} />, { particles });
    expect(changes(third.plan)).toEqual([
      ["Vpc:main/SecurityGroup:lb", "replace", "description"],
      ["Vpc:main/SecurityGroup:app", "update", "ingress"],
      ["Vpc:main/SecurityGroup:db", "update", "ingress"],
    ]);
    expect(changes((await plan(<Network v={3} />, { particles })).plan)).toEqual([]);

    const gone = await destroy("net", { particles });
    expect(gone.plan.summary).toMatchObject({ delete: 10 });
    expect((await plan(<Network v={3} />, { particles })).plan.summary).toMatchObject({ create: 10 });
  }, 60_000);
});
