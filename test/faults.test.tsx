/**
 * The web-app stack applied, changed, applied and destroyed through the
 * fault proxy (packages/testkit/src/proxy) in front of moto: AWS-shaped
 * throttling and server errors, connections reset before a request is
 * forwarded, and replies dropped after it (AWS made the change; the client
 * never heard). Seeded, so that a failure names the seed that reproduces it.
 *
 * - 20 seeded runs at a 10 % fault rate: each ends with live AWS as the tree
 *   says (a zero-change plan, one resource per element, wired as declared),
 *   and with nothing of the stack left after its destroy. A step that fails
 *   names its element and AWS's code (and request id, when AWS answered),
 *   and the re-run converges.
 * - Throttling alone at 30 % never fails a run.
 * - A reply dropped after each kind of create, and after the lock's
 *   PutParameter: no duplicate, no failed step.
 * - AWS's eventual consistency, injected where AWS shows it and moto does
 *   not: NotFound on the first writes and reads after a create,
 *   DependencyViolation on deletes, a group named by another's rules.
 */
import { DescribeSecurityGroupsCommand, EC2Client } from "@aws-sdk/client-ec2";
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
  ssmLock,
  type InstanceType,
} from "@jiti/aws-particles";
import { ref } from "@jiti/jsx-runtime";
import { ApplyError, apply, deployPolicy, destroy, plan, renderTree, type Action, type Failure, type RunOptions } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import { startAwsProxy, useMoto, type AwsProxy, type FaultKind } from "@jiti/testkit";
import { expectConverged, expectGone, pool } from "./web-app-state.js";

const moto = useMoto();

const SEEDS = 20;
const RATE = 0.1;
/** Seeded runs at once: each has its own proxy and stack, so its faults follow its seed alone. */
const AT_ONCE = 4;
/** Runs of one change before a run is called stuck: a fault fails a step at most once in a few runs. */
const MAX_RUNS = 6;

/**
 * The web-app example's stack (examples/web-app/stack.tsx), element for
 * element, with the two props the scenario changes: the instance type and
 * the web group's ports.
 */
function WebApp({ name, type = "t3.micro", ports = [80] }: { name: string; type?: InstanceType; ports?: number[] }) {
  const gateway = ref(InternetGateway);
  const publicA = ref(Subnet);
  const web = ref(SecurityGroup);
  const profile = ref(InstanceProfile);
  return (
    <Stack name={name}>
      <Role name="app" assumedBy="ec2.amazonaws.com">
        <InstanceProfile name="app" ref={profile} />
      </Role>
      <Vpc name="main" cidr="10.0.0.0/16">
        <InternetGateway name="gw" ref={gateway} />
        <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway }]} subnets={[publicA]} />
        <SecurityGroup name="web" ref={web} ingress={ports.map((port) => ({ port, from: "0.0.0.0/0" }))} />
        <Subnet name="public-a" ref={publicA} cidr="10.0.1.0/24" zone={0} public>
          <Ec2 name="web" type={type} image={amazonLinux()} securityGroups={[web]} profile={profile} />
        </Subnet>
      </Vpc>
    </Stack>
  );
}

const changed = (actions: Action[]) => actions.filter((a) => a.action !== "noop").map((a) => `${a.action} ${a.key}`);

const CREATES = /^(Create|RunInstances$|PutParameter$)/;

/** The error codes of a call that AWS never answered: the SDK's names for a reset connection. */
const NETWORK = /^(ECONNRESET|EPIPE|ECONNREFUSED|TimeoutError|RequestTimeout|socket hang up)$/;

/**
 * Runs `run` again until it succeeds, as a user would after a failure, at
 * most MAX_RUNS times. Every failed step must name its element and a code;
 * one AWS answered must carry AWS's request id.
 */
async function converge(run: () => Promise<unknown>, what: string, failures: Failure[]): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run();
      return attempt;
    } catch (error) {
      if (!(error instanceof ApplyError) || attempt >= MAX_RUNS) throw error;
      for (const f of error.result.failures) {
        failures.push(f);
        expect(f.path, `${what}: a failure names its element`).not.toBe("");
        // moto 5.2.1 answers a RemoveRoleFromInstanceProfile sent again after a lost reply with an HTML 500 page
        // (AWS: NoSuchEntity, which the delete takes as done): no code to read, and the re-run converges.
        if (/Deserialization error/.test(f.message)) continue;
        expect(f.code, `${what}: ${f.path} ${f.step}: ${f.message}`).toBeDefined();
        if (!NETWORK.test(f.code!)) expect(f.requestId, `${what}: ${f.path} ${f.code}`).toBeDefined();
      }
    }
  }
}

async function withProxy<T>(work: (proxy: AwsProxy, options: RunOptions) => Promise<T>): Promise<T> {
  const proxy = await startAwsProxy(moto.endpoint);
  try {
    return await work(proxy, { particles, endpoint: proxy.endpoint, lock: ssmLock() });
  } finally {
    await proxy.close();
  }
}

/** The calls a proxy saw as IAM actions (`ec2:RunInstances`), STS's identity call aside: it needs no permission. */
const actionsOf = (proxy: AwsProxy) =>
  new Set(proxy.calls.map((c) => `${c.service}:${c.operation}`).filter((a) => a !== "sts:GetCallerIdentity"));

describe("faults at random", () => {
  it(
    `${SEEDS} seeded runs of apply, change, apply and destroy at a ${RATE * 100} % fault rate converge, with no duplicate and nothing left`,
    { timeout: 300_000 },
    async () => {
      const seen = new Map<FaultKind, number>();
      const failures: Failure[] = [];
      let reruns = 0;
      let droppedCreates = 0;
      const seeds = Array.from({ length: SEEDS }, (_, i) => 1000 + i);
      await pool(seeds, AT_ONCE, (seed) =>
        withProxy(async (proxy, options) => {
          const name = `faults-${seed}`;
          const what = (phase: string) => `seed ${seed}, ${phase}`;
          const phase = async (label: string, run: () => Promise<unknown>, offset: number) => {
            proxy.random({ seed: seed * 10 + offset, rate: RATE });
            reruns += (await converge(run, what(label), failures)) - 1;
            proxy.random(undefined);
          };
          await phase("first apply", () => apply(<WebApp name={name} />, options), 1);
          expect(changed((await plan(<WebApp name={name} />, options)).plan.actions), what("plan after the first apply")).toEqual([]);
          await expectConverged(name, what("first apply"));

          const next = <WebApp name={name} type="t3.small" ports={[80, 443]} />;
          await phase("the change", () => apply(next, options), 2);
          expect(changed((await plan(next, options)).plan.actions), what("plan after the change")).toEqual([]);
          await expectConverged(name, what("the change"), { type: "t3.small", ingress: ["443-443 0.0.0.0/0", "80-80 0.0.0.0/0"] });

          await phase("destroy", () => destroy(name, options), 3);
          await expectGone(name, what("destroy"));
          for (const c of proxy.calls) if (c.fault) seen.set(c.fault, (seen.get(c.fault) ?? 0) + 1);
          droppedCreates += proxy.calls.filter((c) => c.fault === "drop-reply" && CREATES.test(c.operation)).length;
        }),
      );
      // Every kind of fault was met, often: the runs above were tried, not spared.
      for (const kind of ["throttle", "internal", "reset", "drop-reply"] as const) expect(seen.get(kind) ?? 0, kind).toBeGreaterThan(10);
      // Most faults are absorbed by retries; some fail a step, and the re-run converged.
      // Replies to creates were lost too, the case a blind retry would double.
      expect(droppedCreates).toBeGreaterThan(0);
      // Every re-run followed a run that failed a step, each failure checked by converge.
      expect(failures.length).toBeGreaterThanOrEqual(reruns);
    },
  );

  it("throttling alone, at 30 %, never fails a run: it is retried with backoff", { timeout: 120_000 }, async () => {
    await withProxy(async (proxy, options) => {
      proxy.random({ seed: 30, rate: 0.3, kinds: ["throttle"] });
      await apply(<WebApp name="throttled" />, options);
      await destroy("throttled", options);
      const throttled = proxy.calls.filter((c) => c.fault === "throttle").length;
      expect(throttled).toBeGreaterThan(proxy.calls.length * 0.2);
      proxy.random(undefined);
      await expectGone("throttled", "throttled");
    });
  });
});

describe("a reply lost after AWS acted", () => {
  it("to each kind of create, and to the lock's PutParameter: one resource each, and no step fails", { timeout: 60_000 }, async () => {
    await withProxy(async (proxy, options) => {
      const creates = [
        "CreateVpc",
        "CreateInternetGateway",
        "CreateRouteTable",
        "CreateSecurityGroup",
        "CreateSubnet",
        "RunInstances",
        "CreateRole",
        "CreateInstanceProfile",
        "PutParameter",
      ];
      const rules = creates.map((operation) => ({ operation, rule: proxy.inject({ operation, fault: { kind: "drop-reply" } }) }));
      await apply(<WebApp name="dropped" />, options);
      expect(rules.map(({ operation, rule }) => [operation, rule.fired])).toEqual(creates.map((op) => [op, 1]));
      await expectConverged("dropped", "replies dropped");
      expect(changed((await plan(<WebApp name="dropped" />, options)).plan.actions)).toEqual([]);
      // What finding a lost create takes is in the deploy policy.
      const policy = deployPolicy(renderTree(<WebApp name="dropped" />), particles, { extra: options.lock!.permissions ?? [] });
      const granted = new Set(policy.policy.Statement.flatMap((s) => s.Action));
      expect([...actionsOf(proxy)].filter((a) => !granted.has(a))).toEqual([]);
      await destroy("dropped", options);
    });
  });

  it("to each kind of delete: the destroy finishes, nothing is left", { timeout: 60_000 }, async () => {
    await withProxy(async (proxy, options) => {
      await apply(<WebApp name="dropped-deletes" />, options);
      // Not RemoveRoleFromInstanceProfile: sent again for a role no longer in the profile, moto 5.2.1
      // answers with an HTML 500 page where AWS answers NoSuchEntity, which the profile's delete takes as done.
      const deletes = [/^Delete/, "TerminateInstances", /^Detach/, /^Disassociate/];
      const rules = deletes.map((operation) => proxy.inject({ operation, fault: { kind: "drop-reply" } }));
      await destroy("dropped-deletes", options);
      expect(rules.map((r) => r.fired)).toEqual(deletes.map(() => 1));
      await expectGone("dropped-deletes", "delete replies dropped");
    });
  });
});

describe("AWS's eventual consistency", () => {
  it("NotFound on the first writes and reads after a create is waited out", { timeout: 60_000 }, async () => {
    await withProxy(async (proxy, options) => {
      const codes = [
        // The VPC's tags and DNS settings, right after CreateVpc.
        { operation: "ModifyVpcAttribute", code: "InvalidVpcID.NotFound" },
        // The subnet's public-IP setting, right after CreateSubnet.
        { operation: "ModifySubnetAttribute", code: "InvalidSubnetID.NotFound" },
        // The group's rules, right after CreateSecurityGroup.
        { operation: "AuthorizeSecurityGroupIngress", code: "InvalidGroup.NotFound" },
        // The instance's first read, right after RunInstances.
        { operation: "DescribeInstances", code: "InvalidInstanceID.NotFound" },
      ];
      // Each after its resource's create: the plan's own reads come first.
      const created = (operation: string) => proxy.calls.some((c) => c.operation === operation);
      const after = { DescribeInstances: "RunInstances" } as Record<string, string>;
      const rules = codes.map(({ operation, code }) =>
        proxy.inject({
          operation: (call) => call.operation === operation && (!after[operation] || created(after[operation])),
          fault: { kind: "error", code, status: 400, message: `The ID does not exist (${code})` },
        }),
      );
      await apply(<WebApp name="consistent" />, options);
      expect(rules.map((r) => r.fired)).toEqual(codes.map(() => 1));
      await expectConverged("consistent", "NotFound after create");
      await destroy("consistent", options);
    });
  });

  it(
    "DependencyViolation while AWS releases what used a group, subnet or gateway is retried until it is free",
    { timeout: 60_000 },
    async () => {
      await withProxy(async (proxy, options) => {
        await apply(<WebApp name="releasing" />, options);
        const violation = { kind: "error", code: "DependencyViolation", status: 400, message: "resource has a dependent object" } as const;
        const rules = ["DeleteSecurityGroup", "DeleteSubnet", "DetachInternetGateway"].map((operation) =>
          proxy.inject({ operation, fault: violation, times: 2 }),
        );
        await destroy("releasing", options);
        expect(rules.map((r) => r.fired)).toEqual([2, 2, 2]);
        await expectGone("releasing", "DependencyViolation on deletes");
      });
    },
  );

  it(
    "two groups naming each other are destroyed: each lets go of the other's name before AWS deletes either",
    { timeout: 60_000 },
    async () => {
      const Mutual = () => {
        const web = ref(SecurityGroup);
        const db = ref(SecurityGroup);
        return (
          <Stack name="mutual-faults">
            <Vpc name="main" cidr="10.0.0.0/16">
              <SecurityGroup name="web" ref={web} ingress={[{ port: 443, from: "0.0.0.0/0" }]} egress={[{ port: 5432, to: db }]} />
              <SecurityGroup name="db" ref={db} ingress={[{ port: 5432, from: web }]} />
            </Vpc>
          </Stack>
        );
      };
      await withProxy(async (proxy, options) => {
        await apply(<Mutual />, options);
        proxy.clearCalls();
        // As AWS does and moto does not: a group another group's rules name cannot be deleted.
        // Here each group names the other once, so both names are gone after two revokes.
        const revoked = () => proxy.calls.filter((c) => /^RevokeSecurityGroup/.test(c.operation) && c.status === 200).length;
        proxy.inject({
          operation: (call) => call.operation === "DeleteSecurityGroup" && revoked() < 2,
          times: 1_000,
          fault: { kind: "error", code: "DependencyViolation", status: 400, message: "resource sg has a dependent object" },
        });
        await destroy("mutual-faults", options);
        const ec2 = new EC2Client({});
        const { SecurityGroups } = await ec2.send(
          new DescribeSecurityGroupsCommand({ Filters: [{ Name: "tag:jiti:stack", Values: ["mutual-faults"] }] }),
        );
        expect(SecurityGroups).toEqual([]);
        // Each group let go of the other's name, once.
        expect(revoked()).toBe(2);
      });
    },
  );
});
