/**
 * API calls made by a no-change plan, against moto through the real SDK:
 * generated stacks of 10, 100 and 1,000 particles are applied, then planned
 * again. The target is one list call per resource kind, whatever the size.
 * Beside it, the calls of the same plan with `refreshAttrs`, which reads
 * two attributes per VPC and one per instance.
 *
 *   pnpm bench:calls
 */
import {
  Ec2,
  InstanceProfile,
  InternetGateway,
  Role,
  RouteTable,
  SecurityGroup,
  Stack,
  Subnet,
  Vpc,
  amazonLinux,
  particles,
} from "@jiti/aws-particles";
import { ref } from "@jiti/jsx-runtime";
import { apply, plan } from "@jiti/reconciler";
import { pointAwsAt, startMoto } from "@jiti/testkit/moto-server";

/** 1 role + profile, then per VPC: gateway, route table, group, 6 subnets with an instance each. */
function stack(size: number) {
  const perVpc = 1 + 1 + 1 + 1 + 6 * 2;
  const vpcs = Math.max(1, Math.round((size - 2) / perVpc));
  const profile = ref(InstanceProfile);
  return (
    <Stack name="bench">
      <Role name="app" assumedBy="ec2.amazonaws.com">
        <InstanceProfile name="app" ref={profile} />
      </Role>
      {Array.from({ length: vpcs }, (_, v) => {
        const gw = ref(InternetGateway);
        const web = ref(SecurityGroup);
        const subnets = Array.from({ length: 6 }, () => ref(Subnet));
        return (
          <Vpc name={`v${v}`} cidr={`10.${v % 256}.0.0/16`}>
            <InternetGateway name="gw" ref={gw} />
            <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway: gw }]} subnets={subnets} />
            <SecurityGroup name="web" ref={web} ingress={[{ port: 80, from: "0.0.0.0/0" }]} />
            {subnets.map((s, i) => (
              <Subnet name={`s${i}`} ref={s} cidr={`10.${v % 256}.${i}.0/24`} zone={i % 3} public>
                <Ec2 name="web" image={amazonLinux()} securityGroups={[web]} profile={profile} />
              </Subnet>
            ))}
          </Vpc>
        );
      })}
    </Stack>
  );
}

async function main() {
  const moto = await startMoto();
  pointAwsAt(moto.endpoint);
  const kinds = particles.length;
  console.log(`resource kinds: ${kinds}`);
  console.log("particles   created   calls in a no-change plan   ratio to kinds   apply time   with refreshAttrs");
  try {
    for (const size of [10, 100, 1000]) {
      await moto.reset();
      const el = stack(size);
      const t0 = performance.now();
      const applied = await apply(el, { particles, concurrency: 16 });
      const seconds = (performance.now() - t0) / 1000;
      const before = (await moto.calls()).length;
      const result = await plan(el, { particles });
      const calls = (await moto.calls()).slice(before);
      const changes = result.plan.actions.filter((a) => a.action !== "noop").length;
      // The same plan reading, resource by resource, what jiti otherwise takes from its jiti:attrs tag.
      const beforeRefresh = (await moto.calls()).length;
      await plan(el, { particles, refreshAttrs: true });
      const refreshing = (await moto.calls()).length - beforeRefresh;
      const counts = new Map<string, number>();
      for (const c of calls) counts.set(c.operation, (counts.get(c.operation) ?? 0) + 1);
      const ops = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([op, n]) => (n > 1 ? `${op} ×${n}` : op));
      console.log(
        `${String(result.plan.actions.length).padStart(9)}   ${String(applied.plan.summary.create).padStart(7)}   ${String(calls.length).padStart(25)}   ${(calls.length / kinds).toFixed(2).padStart(14)}   ${seconds.toFixed(1).padStart(8)} s   ${String(refreshing).padStart(16)}` +
          (changes ? `   (!) ${changes} changes planned` : ""),
      );
      console.log(`            ${ops.join(", ")}`);
    }
  } finally {
    await moto.stop();
  }
}

await main();
