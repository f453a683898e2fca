import { ref } from "@jiti/jsx-runtime";
import { apply, plan, destroy, Stack, particleOf } from "@jiti/reconciler";
import { expect, test } from "vitest";
import { useMoto } from "../../../test/moto.js";
import { InternetGateway } from "../src/ec2/InternetGateway.js";
import { RouteTable } from "../src/ec2/RouteTable.js";
import { SecurityGroup } from "../src/ec2/SecurityGroup.js";
import { Subnet } from "../src/ec2/Subnet.js";
import { Vpc } from "../src/ec2/Vpc.js";

useMoto();
const particles = [Vpc, Subnet, InternetGateway, RouteTable, SecurityGroup].map((c) => particleOf(c)!);

function App({ v = 1 }: { v?: number }) {
  const gw = ref(InternetGateway);
  const subs = ["a", "b", "c", "d"].map(() => ref(Subnet));
  const lb = ref(SecurityGroup);
  const app = ref(SecurityGroup);
  return (
    <Stack name="e2e">
      <Vpc name="main" cidr="10.0.0.0/16">
        <InternetGateway name="gw" ref={gw} />
        {["a", "b", "c", "d"].map((n, i) => <Subnet name={n} ref={subs[i]} cidr={v === 3 && n === "c" ? "10.0.12.0/24" : `10.0.${i}.0/24`} zone={i % 2} public={v === 1 || i < 3} />)}
        <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway: gw }]} subnets={v === 1 ? subs : subs.slice(0, 3)} />
        <SecurityGroup name="lb" ref={lb} description={v === 3 ? "Load balancer" : undefined} ingress={[{ port: 443, from: "0.0.0.0/0" }]} />
        <SecurityGroup name="app" ref={app} ingress={v === 1 ? [{ port: 8080, from: [lb, "10.9.0.0/16"] }] : [{ port: 8080, from: [lb] }, { protocol: "icmp", from: "10.0.0.0/16" }]} egress={v === 1 ? undefined : [{ port: 443 }]} tags={v === 1 ? {} : { tier: "app" }} />
        <SecurityGroup name="db" ingress={[{ port: 5432, from: [app, lb] }]} egress={[]} />
      </Vpc>
    </Stack>
  );
}

test("converges", async () => {
  const first = await apply(<App />, { particles });
  console.log(first.plan.summary);
  const second = await plan(<App />, { particles });
  console.log(second.plan.summary, JSON.stringify(second.plan.actions.filter((a) => a.action !== "noop"), null, 1));
  const v2 = await apply(<App v={2} />, { particles });
  console.log(v2.plan.summary, JSON.stringify(v2.plan.actions.filter((a) => a.action !== "noop").map((a) => [a.path, a.action, a.changes.map((c) => c.field)])));
  const again = await plan(<App v={2} />, { particles });
  console.log(again.plan.summary, JSON.stringify(again.plan.actions.filter((a) => a.action !== "noop"), null, 1));
  const v3 = await apply(<App v={3} />, { particles });
  console.log(v3.plan.summary, JSON.stringify(v3.plan.actions.filter((a) => a.action !== "noop").map((a) => [a.path, a.action, a.strategy, a.changes.map((c) => c.field)])));
  const again3 = await plan(<App v={3} />, { particles });
  console.log(again3.plan.summary, JSON.stringify(again3.plan.actions.filter((a) => a.action !== "noop"), null, 1));
  const gone = await destroy("e2e", { particles });
  console.log(gone.plan.summary);
  const after = await plan(<App />, { particles });
  console.log(after.plan.summary);
}, 120000);
