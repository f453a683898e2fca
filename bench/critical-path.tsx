/**
 * Apply and destroy time against the critical path. A wide stack (1 VPC,
 * 8 subnets, 8 security groups, 32 instances, a role and its instance
 * profile: 51 resources) is applied and destroyed against moto through a
 * proxy that adds 100 ms to every AWS call, as a stand-in for AWS's own
 * latency (50–300 ms a call). Each run is compared with a bound no
 * executor can beat:
 *
 *   bound = max(chain, throughput, emulator)
 *
 * - chain: the longest chain of necessary calls through the plan's
 *   dependency graph, each resource costing the calls AWS needs, one after
 *   another, before what depends on it can start (see NEEDED);
 * - throughput: the writes made, `concurrency` at a time;
 * - emulator: the emulator's own work for those writes, end to end. moto
 *   answers one call at a time (Python, one lock) and spends 5–30 ms of
 *   its own on each (RunInstances the most), where AWS answers thousands at
 *   once: its share is measured first, call by call at no added delay, and
 *   every call is costed as the delay plus it.
 *
 * The target is 1.5× the bound at the default concurrency, with no more
 * calls than the writes plus one read round per kind of resource.
 *
 *   pnpm bench:critical-path [concurrency…] [--timeline]
 *
 * `--timeline` prints every call of each apply and destroy at the default
 * concurrency: when it reached AWS and when its answer came, from the start.
 */
import { Ec2, InstanceProfile, Role, SecurityGroup, Stack, Subnet, Vpc, amazonLinux, particles } from "@jiti/aws-particles";
import { ref } from "@jiti/jsx-runtime";
import { prepareApply, prepareDestroy, type Plan } from "@jiti/reconciler";
import { pointAwsAt, startMoto } from "@jiti/testkit/moto-server";
import { startAwsProxy, type AwsProxy, type ProxyCall } from "@jiti/testkit/proxy";

const DELAY_MS = 100;
const TARGET = 1.5;
const STACK = "critical-path";

function wideStack() {
  const profile = ref(InstanceProfile);
  const groups = Array.from({ length: 8 }, () => ref(SecurityGroup));
  return (
    <Stack name={STACK}>
      <Role
        name="app"
        assumedBy="ec2.amazonaws.com"
        inlinePolicies={{ logs: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "logs:PutLogEvents", Resource: "*" }] } }}
      >
        <InstanceProfile name="app" ref={profile} />
      </Role>
      <Vpc name="main" cidr="10.0.0.0/16">
        {groups.map((g, i) => (
          <SecurityGroup name={`g${i}`} ref={g} ingress={[{ port: 8000 + i, from: "10.0.0.0/16" }]} />
        ))}
        {Array.from({ length: 8 }, (_, s) => (
          <Subnet name={`s${s}`} cidr={`10.0.${s}.0/24`} zone={s % 3}>
            {Array.from({ length: 4 }, (_, i) => (
              <Ec2 name={`i${i}`} image={amazonLinux()} securityGroups={[groups[(s + i) % 8]!]} profile={profile} />
            ))}
          </Subnet>
        ))}
      </Vpc>
    </Stack>
  );
}

/**
 * The calls AWS needs for one resource: `usable`, one after another, before
 * what depends on it can be created; `finish`, after those, to complete it;
 * `delete`, one after another, to remove it.
 */
const NEEDED: Record<string, { usable: string[]; finish: string[]; delete: string[] }> = {
  // DNS hostnames (DNS support is on by default).
  "aws.ec2.Vpc": { usable: ["CreateVpc"], finish: ["ModifyVpcAttribute"], delete: ["DeleteVpc"] },
  // A public subnet would need ModifySubnetAttribute too, before instances launch in it.
  "aws.ec2.Subnet": { usable: ["CreateSubnet"], finish: [], delete: ["DeleteSubnet"] },
  "aws.ec2.SecurityGroup": { usable: ["CreateSecurityGroup"], finish: ["AuthorizeSecurityGroupIngress"], delete: ["DeleteSecurityGroup"] },
  "aws.iam.Role": { usable: ["CreateRole"], finish: ["PutRolePolicy"], delete: ["DeleteRolePolicy", "DeleteRole"] },
  "aws.iam.InstanceProfile": {
    usable: ["CreateInstanceProfile", "AddRoleToInstanceProfile"],
    finish: [],
    delete: ["RemoveRoleFromInstanceProfile", "DeleteInstanceProfile"],
  },
  // Then one DescribeInstances: AWS refuses to delete the subnet and groups while the instance's network interface exists.
  "aws.ec2.Instance": { usable: ["RunInstances"], finish: [], delete: ["TerminateInstances", "DescribeInstances"] },
};

/** What a call costs: the added delay and the emulator's own work (ms). */
type Cost = (operation: string) => number;

/** Longest chain of needed calls through the plan's dependency graph, for its creates or its deletes (ms). */
function chain(plan: Plan, phase: "apply" | "destroy", cost: Cost): number {
  const byKey = new Map(plan.actions.map((a) => [a.key, a]));
  const memo = new Map<string, number>();
  const sum = (ops: string[]) => ops.reduce((total, op) => total + cost(op), 0);
  // For creates: when the resource is usable. For deletes: when it is gone.
  const at = (key: string): number => {
    const known = memo.get(key);
    if (known !== undefined) return known;
    const a = byKey.get(key)!;
    const after = phase === "apply" ? a.dependsOn : a.deleteAfter;
    const start = Math.max(0, ...after.filter((k) => byKey.has(k)).map(at));
    const value = start + sum(phase === "apply" ? NEEDED[a.type]!.usable : NEEDED[a.type]!.delete);
    memo.set(key, value);
    return value;
  };
  return Math.max(...plan.actions.map((a) => at(a.key) + (phase === "apply" ? sum(NEEDED[a.type]!.finish) : 0)));
}

const READ = /^(Describe|List|Get)/;

interface Measured {
  seconds: number;
  calls: ProxyCall[];
  plan: Plan;
}

async function measure(phase: "apply" | "destroy", concurrency: number | undefined, proxy: AwsProxy): Promise<Measured> {
  const options = { particles, ...(concurrency ? { concurrency } : {}) };
  const prepared = phase === "apply" ? await prepareApply(wideStack(), options) : await prepareDestroy(STACK, options);
  proxy.clearCalls();
  const started = performance.now();
  await prepared.apply();
  const seconds = (performance.now() - started) / 1000;
  return { seconds, calls: [...proxy.calls], plan: prepared.plan };
}

/**
 * The emulator's own work per operation (ms): an apply and a destroy of the
 * stack one step at a time, with no delay added, each call timed from its
 * arrival to its answer.
 */
async function emulatorWork(proxy: AwsProxy): Promise<Map<string, number>> {
  proxy.delay(0);
  const seen = new Map<string, number[]>();
  for (const phase of ["apply", "destroy"] as const) {
    const m = await measure(phase, 1, proxy);
    for (const c of m.calls) seen.set(c.operation, [...(seen.get(c.operation) ?? []), c.endedAt - c.startedAt]);
  }
  proxy.delay(DELAY_MS);
  return new Map([...seen].map(([op, ms]) => [op, ms.reduce((a, b) => a + b, 0) / ms.length]));
}

function report(phase: "apply" | "destroy", concurrency: number, m: Measured, work: ReadonlyMap<string, number>, kinds: number) {
  const cost: Cost = (op) => DELAY_MS + (work.get(op) ?? 0);
  const writes = m.calls.filter((c) => !READ.test(c.operation));
  const reads = m.calls.length - writes.length;
  const terms = {
    chain: chain(m.plan, phase, cost),
    throughput: writes.reduce((total, c) => total + cost(c.operation), 0) / concurrency,
    emulator: writes.reduce((total, c) => total + (work.get(c.operation) ?? 0), 0),
  };
  const [by, boundMs] = Object.entries(terms).reduce((a, b) => (b[1] > a[1] ? b : a));
  const bound = boundMs / 1000;
  const ratio = m.seconds / bound;
  const callsOk = m.calls.length <= writes.length + kinds;
  console.log(
    `${phase.padEnd(8)} ${String(concurrency).padStart(11)}   ${m.seconds.toFixed(2).padStart(6)} s   ${bound.toFixed(2).padStart(6)} s ${by.padEnd(10)}` +
      `   ${ratio.toFixed(2).padStart(5)}×${ratio <= TARGET ? "    " : " (!)"}   ${String(m.calls.length).padStart(5)}   ${String(writes.length).padStart(6)}   ${String(reads).padStart(5)}${callsOk ? "" : " (!)"}`,
  );
  return ratio;
}

function timeline(calls: readonly ProxyCall[]): string {
  const t0 = Math.min(...calls.map((c) => c.startedAt));
  return calls
    .map((c) => `         ${(c.startedAt - t0).toFixed(0).padStart(5)} → ${(c.endedAt - t0).toFixed(0).padStart(5)} ms  ${c.operation}`)
    .join("\n");
}

function byOperation(calls: readonly ProxyCall[]): string {
  const counts = new Map<string, number>();
  for (const c of calls) counts.set(c.operation, (counts.get(c.operation) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => (n > 1 ? `${op} ×${n}` : op))
    .join(", ");
}

async function main() {
  const moto = await startMoto();
  const proxy = await startAwsProxy(moto.endpoint, { delayMs: DELAY_MS });
  pointAwsAt(proxy.endpoint);
  const { DEFAULT_CONCURRENCY } = await import("@jiti/reconciler");
  const showTimeline = process.argv.includes("--timeline");
  const asked = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const levels = [DEFAULT_CONCURRENCY, ...asked.filter((n) => n !== DEFAULT_CONCURRENCY)];
  const kinds = new Set(Object.keys(NEEDED)).size;
  let worst = 0;
  try {
    // A warm-up read, so that moto's one-off start-up costs are not measured.
    await prepareDestroy(STACK, { particles }).then((p) => p.release());
    const work = await emulatorWork(proxy);
    const own = (op: string) => `${op} ${work.get(op)?.toFixed(0)} ms`;
    console.log(`wide stack: 51 resources of ${kinds} kinds; ${DELAY_MS} ms added to every AWS call; target ${TARGET}× the bound`);
    console.log(
      `the emulator's own work a call: ${["RunInstances", "CreateSubnet", "TerminateInstances", "DescribeInstances"].map(own).join(", ")}, …`,
    );
    console.log("phase    concurrency   measured      bound (by)        ratio       calls   writes   reads");
    for (const concurrency of levels) {
      await moto.reset();
      const applied = await measure("apply", concurrency, proxy);
      const a = report("apply", concurrency, applied, work, kinds);
      const destroyed = await measure("destroy", concurrency, proxy);
      const d = report("destroy", concurrency, destroyed, work, kinds);
      if (concurrency === DEFAULT_CONCURRENCY) {
        worst = a;
        console.log(`         apply: ${byOperation(applied.calls)}`);
        console.log(`         destroy: ${byOperation(destroyed.calls)} (destroy at ${d.toFixed(2)}×)`);
        if (showTimeline) console.log(`         apply:\n${timeline(applied.calls)}\n         destroy:\n${timeline(destroyed.calls)}`);
      }
    }
  } finally {
    await proxy.close();
    await moto.stop();
  }
  console.log(`default concurrency ${DEFAULT_CONCURRENCY}: apply at ${worst.toFixed(2)}× the bound (target ${TARGET}×)`);
}

await main();
