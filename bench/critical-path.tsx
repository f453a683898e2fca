/**
 * Apply and destroy time against the critical path. A wide stack (1 VPC,
 * 8 subnets, 8 security groups, 32 instances, a role and its instance
 * profile: 51 resources) is applied and destroyed against moto through a
 * proxy that adds 100 ms to every AWS call, as a stand-in for AWS's own
 * latency (50–300 ms a call). Each is compared with its bound:
 *
 *   bound = max(longest chain of necessary calls, writes ÷ concurrency) × delay
 *
 * where the chain runs through the plan's dependency graph and each resource
 * costs the calls AWS needs, one after another, before what depends on it can
 * start (see NEEDED). No executor can beat the bound; the target is 1.5× it
 * at the default concurrency, with no more calls than the writes plus one
 * read round per kind of resource in the stack.
 *
 *   pnpm bench:critical-path [concurrency…]
 */
import { Ec2, InstanceProfile, Role, SecurityGroup, Stack, Subnet, Vpc, amazonLinux, particles } from "@jiti/aws-particles";
import { ref } from "@jiti/jsx-runtime";
import { prepareApply, prepareDestroy, type Action, type Plan } from "@jiti/reconciler";
import { pointAwsAt, startMoto } from "@jiti/testkit/moto-server";
import { startAwsProxy, type ProxyCall } from "@jiti/testkit/proxy";

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
 * The calls AWS needs for one resource, one after another: `usable` before
 * what depends on it can be created, `all` to finish it, `deleted` to remove
 * it. Calls that can run side by side count once.
 */
const NEEDED: Record<string, { usable: number; all: number; deleted: number }> = {
  // CreateVpc; then ModifyVpcAttribute (DNS hostnames: DNS support is on by default). DeleteVpc.
  "aws.ec2.Vpc": { usable: 1, all: 2, deleted: 1 },
  // CreateSubnet (a public one would need ModifySubnetAttribute too, before instances launch in it). DeleteSubnet.
  "aws.ec2.Subnet": { usable: 1, all: 1, deleted: 1 },
  // CreateSecurityGroup; AuthorizeSecurityGroupIngress. DeleteSecurityGroup.
  "aws.ec2.SecurityGroup": { usable: 1, all: 2, deleted: 1 },
  // CreateRole; PutRolePolicy. DeleteRolePolicy, DeleteRole.
  "aws.iam.Role": { usable: 1, all: 2, deleted: 2 },
  // CreateInstanceProfile, AddRoleToInstanceProfile. RemoveRoleFromInstanceProfile, DeleteInstanceProfile.
  "aws.iam.InstanceProfile": { usable: 2, all: 2, deleted: 2 },
  // RunInstances. TerminateInstances, then one DescribeInstances: AWS refuses to delete
  // the subnet and groups while the instance's network interface exists.
  "aws.ec2.Instance": { usable: 1, all: 1, deleted: 2 },
};

/** Longest chain of needed calls through the plan's dependency graph, for its creates or its deletes. */
function chain(plan: Plan, phase: "apply" | "destroy"): number {
  const byKey = new Map(plan.actions.map((a) => [a.key, a]));
  const memo = new Map<string, number>();
  const needed = (a: Action) => NEEDED[a.type]!;
  // For creates: when the resource is usable. For deletes: when it is gone.
  const at = (key: string): number => {
    const known = memo.get(key);
    if (known !== undefined) return known;
    const a = byKey.get(key)!;
    const after = phase === "apply" ? a.dependsOn : a.deleteAfter;
    const start = Math.max(0, ...after.filter((k) => byKey.has(k)).map(at));
    const value = start + (phase === "apply" ? needed(a).usable : needed(a).deleted);
    memo.set(key, value);
    return value;
  };
  return Math.max(...plan.actions.map((a) => (phase === "apply" ? at(a.key) - needed(a).usable + needed(a).all : at(a.key))));
}

const READ = /^(Describe|List|Get)/;

interface Measured {
  seconds: number;
  calls: ProxyCall[];
  chain: number;
}

async function measure(phase: "apply" | "destroy", concurrency: number | undefined, calls: () => ProxyCall[]): Promise<Measured> {
  const options = { particles, ...(concurrency ? { concurrency } : {}) };
  const prepared = phase === "apply" ? await prepareApply(wideStack(), options) : await prepareDestroy(STACK, options);
  const before = calls().length;
  const started = performance.now();
  await prepared.apply();
  const seconds = (performance.now() - started) / 1000;
  return { seconds, calls: calls().slice(before), chain: chain(prepared.plan, phase) };
}

function report(phase: string, concurrency: number, m: Measured, kinds: number) {
  const writes = m.calls.filter((c) => !READ.test(c.operation)).length;
  const reads = m.calls.length - writes;
  const bound = (Math.max(m.chain, writes / concurrency) * DELAY_MS) / 1000;
  const ratio = m.seconds / bound;
  const callsOk = m.calls.length <= writes + kinds;
  console.log(
    `${phase.padEnd(8)} ${String(concurrency).padStart(11)}   ${m.seconds.toFixed(2).padStart(6)} s   ${bound.toFixed(2).padStart(6)} s` +
      `   ${ratio.toFixed(2).padStart(5)}×${ratio <= TARGET ? "" : " (!)"}   ${String(m.calls.length).padStart(5)}   ${String(writes).padStart(6)}   ${String(reads).padStart(5)}${callsOk ? "" : " (!)"}`,
  );
  return ratio;
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
  const asked = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const levels = [DEFAULT_CONCURRENCY, ...asked.filter((n) => n !== DEFAULT_CONCURRENCY)];
  const kinds = new Set(Object.keys(NEEDED)).size;
  console.log(`wide stack: 51 resources of ${kinds} kinds; ${DELAY_MS} ms added to every AWS call; target ${TARGET}× the bound`);
  console.log("phase    concurrency   measured     bound   ratio   calls   writes   reads");
  let worst = 0;
  try {
    for (const concurrency of levels) {
      await moto.reset();
      // A warm-up read, so that moto's one-off start-up costs are not measured.
      await prepareDestroy(STACK, { particles }).then((p) => p.release());
      const applied = await measure("apply", concurrency, () => proxy.calls as ProxyCall[]);
      const a = report("apply", concurrency, applied, kinds);
      const destroyed = await measure("destroy", concurrency, () => proxy.calls as ProxyCall[]);
      const d = report("destroy", concurrency, destroyed, kinds);
      if (concurrency === DEFAULT_CONCURRENCY) {
        worst = Math.max(a, d);
        console.log(`         apply: ${byOperation(applied.calls)}`);
        console.log(`         destroy: ${byOperation(destroyed.calls)}`);
      }
    }
  } finally {
    await proxy.close();
    await moto.stop();
  }
  console.log(`default concurrency ${DEFAULT_CONCURRENCY}: ${worst.toFixed(2)}× the bound at worst (target ${TARGET}×)`);
}

await main();
