/**
 * `jiti permissions` holds: the deploy policy lists exactly the actions the
 * SDK sends (moto's recording) while the web-app stack is planned (also with
 * `refreshAttrs`), applied, changed in every way its particles update,
 * stopped and started, and destroyed; the read-only policy exactly those of the plans; and every
 * write on an EC2 resource is conditioned on the stack's tag, but for the
 * ones AWS cannot condition, each named with why.
 */
import {
  ssmLock,
  particles,
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
  type InstanceType,
} from "@jiti/aws-particles";
import { CloudInit, Run } from "@jiti/aws-particles/userdata";
import { ref } from "@jiti/jsx-runtime";
import { apply, deployPolicy, destroy, plan, renderTree, type DeployPolicyStatement } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import { useMoto } from "@jiti/testkit";
import WebApp from "../examples/web-app/stack.js";

const moto = useMoto({ managedPolicies: true });

interface Knobs {
  dnsHostnames?: boolean;
  /** Which route table lists the subnet. */
  table?: "public" | "spare" | "none";
  /** Whether the spare table routes to the internet. */
  spareRoutes?: boolean;
  gateway?: "gw" | "gw2";
  gatewayTags?: Record<string, string>;
  ingress?: Array<{ port: number; description?: string }>;
  egress?: string;
  inline?: boolean;
  managed?: string[];
  roleDescription?: string;
  maxSessionDuration?: number;
  roleTags?: Record<string, string>;
  trust?: string[];
  profileTags?: Record<string, string>;
  profile?: "app" | "other" | "none";
  type?: InstanceType;
  groups?: "web" | "both";
  imdsV2?: boolean;
  rootVolumeSize?: number;
  rootVolumeType?: "gp3" | "gp2";
  instanceTags?: Record<string, string>;
  state?: "running" | "stopped";
  protect?: boolean;
}

/** The web-server stack of examples/web-app, with a knob for every update path of its particles. */
function WebServer(k: Knobs) {
  const gateway = ref(InternetGateway);
  const subnet = ref(Subnet);
  const web = ref(SecurityGroup);
  const admin = ref(SecurityGroup);
  const app = ref(InstanceProfile);
  const other = ref(InstanceProfile);
  const profile = k.profile === "none" ? {} : { profile: k.profile === "other" ? other : app };
  const table = k.table ?? "public";
  const toInternet = [{ destination: "0.0.0.0/0", gateway }];
  return (
    <Stack name="perm" tags={{ team: "web" }}>
      <Role
        name="app"
        assumedBy={k.trust ?? "ec2.amazonaws.com"}
        managedPolicies={k.managed ?? []}
        inlinePolicies={
          k.inline ? { logs: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "logs:PutLogEvents", Resource: "*" }] } } : {}
        }
        tags={k.roleTags ?? {}}
        {...(k.roleDescription ? { description: k.roleDescription } : {})}
        {...(k.maxSessionDuration ? { maxSessionDuration: k.maxSessionDuration } : {})}
      >
        <InstanceProfile name="app" ref={app} tags={k.profileTags ?? {}} />
      </Role>
      <Role name="other" assumedBy="ec2.amazonaws.com">
        <InstanceProfile name="other" ref={other} />
      </Role>
      <Vpc name="main" cidr="10.0.0.0/16" dnsHostnames={k.dnsHostnames ?? true} {...(k.protect ? { protect: true } : {})}>
        <InternetGateway name={k.gateway ?? "gw"} ref={gateway} tags={k.gatewayTags ?? {}} />
        <RouteTable name="public" routes={toInternet} subnets={table === "public" ? [subnet] : []} />
        <RouteTable name="spare" routes={k.spareRoutes === false ? [] : toInternet} subnets={table === "spare" ? [subnet] : []} />
        <SecurityGroup
          name="web"
          ref={web}
          ingress={(k.ingress ?? [{ port: 80 }]).map(({ port, description }) => ({
            port,
            from: "0.0.0.0/0",
            ...(description ? { description } : {}),
          }))}
          {...(k.egress ? { egress: [{ port: 443, to: "0.0.0.0/0", description: k.egress }] } : {})}
        />
        <SecurityGroup name="admin" ref={admin} ingress={[{ port: 22, from: "10.0.0.0/8" }]} />
        <Subnet name="public-a" ref={subnet} cidr="10.0.1.0/24" zone={0} public={table !== "none"}>
          <Ec2
            name="web"
            type={k.type ?? "t3.micro"}
            image={amazonLinux()}
            securityGroups={k.groups === "both" ? [web, admin] : [web]}
            {...profile}
            imdsV2={k.imdsV2 ?? true}
            rootVolumeSize={k.rootVolumeSize ?? 8}
            rootVolumeType={k.rootVolumeType ?? "gp3"}
            tags={k.instanceTags ?? {}}
            state={k.state ?? "running"}
            userData={
              <CloudInit>
                <Run command="echo hello" />
              </CloudInit>
            }
            {...(k.imdsV2 === false ? { waive: { "imdsv1-allowed": "the test turns IMDSv1 on and off" } } : {})}
          />
        </Subnet>
      </Vpc>
    </Stack>
  );
}

/** Every change the scenario applies after the first apply, each reaching update paths the others do not. */
const CHANGES: Knobs[] = [
  { dnsHostnames: false },
  // The subnet moves between the stack's tables (to the one earlier in the tree, which goes first), then leaves both.
  { table: "spare" },
  { table: "public" },
  { table: "none", spareRoutes: false },
  // A renamed gateway: a new one, the routes to it replaced, the old one gone.
  { gateway: "gw2", gatewayTags: { owner: "net" } },
  { ingress: [{ port: 80, description: "web" }, { port: 443 }], egress: "out" },
  { ingress: [{ port: 80, description: "the web" }], egress: "https out" },
  {
    inline: true,
    managed: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    roleDescription: "serves the web",
    maxSessionDuration: 7200,
    roleTags: { tier: "web" },
  },
  { inline: false, managed: [], roleTags: {}, trust: ["ec2.amazonaws.com", "ssm.amazonaws.com"], profileTags: { tier: "web" } },
  { profileTags: {} },
  { profile: "other" },
  { profile: "none" },
  { profile: "app" },
  { type: "t3.small", groups: "both", imdsV2: false, rootVolumeSize: 12, rootVolumeType: "gp2", instanceTags: { role: "web" } },
  { instanceTags: {} },
  { state: "stopped" },
  { protect: true },
];

const lock = ssmLock();
// One step at a time, so that the calls each change makes do not depend on which of two steps wins a race
// (a subnet moving between tables is moved with ReplaceRouteTableAssociation only when the new table goes first).
const options = { particles, lock, concurrency: 1 };
/** sts:GetCallerIdentity needs no permission: AWS always answers it (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html). */
const FREE = new Set(["sts:GetCallerIdentity"]);
/**
 * Permissions that are no API call, so never in the recording: AWS checks them
 * while authorizing another call. iam:PassRole when RunInstances,
 * AssociateIamInstanceProfile or AddRoleToInstanceProfile hands a role over;
 * iam:TagRole and iam:TagInstanceProfile (also called on their own) when the
 * create call carries tags; ssm:AddTagsToResource when PutParameter does.
 */
const PERMISSION_ONLY = ["iam:PassRole", "ssm:AddTagsToResource"];
/**
 * Reads granted for the paths an apply takes only after something went wrong,
 * so never on this happy path: finding the role or profile a create whose
 * reply was lost made (or a stopped run left), and reading a role or profile
 * afresh when a delete meets what the plan did not see. test/faults.test.tsx
 * takes these paths and checks each call it makes is in the policy.
 */
const RECOVERY_ONLY = [
  "iam:GetRole",
  "iam:GetRolePolicy",
  "iam:ListRolePolicies",
  "iam:ListAttachedRolePolicies",
  "iam:ListInstanceProfilesForRole",
  "iam:GetInstanceProfile",
];

const actionsOf = (statements: readonly DeployPolicyStatement[]) => [...new Set(statements.flatMap((s) => s.Action))].sort();

async function recorded(from: number) {
  const calls = (await moto.calls()).slice(from);
  return [...new Set(calls.map((c) => `${c.service}:${c.operation}`))].filter((a) => !FREE.has(a)).sort();
}

describe("the deploy policy against the calls the SDK makes", () => {
  it(
    "lists exactly the actions of a plan, a refreshing plan, an apply, every kind of change, a stop and start, and a destroy",
    { timeout: 120_000 },
    async () => {
      const reads: string[] = [];
      const all: string[] = [];
      const step = async (run: () => Promise<unknown>, kind: "read" | "write") => {
        const from = (await moto.calls()).length;
        await run();
        const actions = await recorded(from);
        (kind === "read" ? reads : all).push(...actions);
        if (kind === "read") all.push(...actions);
      };
      let knobs: Knobs = {};
      await step(() => plan(<WebServer {...knobs} />, options), "read");
      await step(() => apply(<WebServer {...knobs} />, options), "write");
      // A plan that also reads what jiti records in its tags (`--refresh-attrs`): the particles' refresh.
      await step(() => plan(<WebServer {...knobs} />, { ...options, refreshAttrs: true }), "read");
      for (const change of CHANGES) {
        knobs = { ...knobs, ...change };
        await step(() => plan(<WebServer {...knobs} />, options), "read");
        await step(() => apply(<WebServer {...knobs} />, options), "write");
      }
      knobs = { ...knobs, state: "running", protect: false };
      await step(() => apply(<WebServer {...knobs} />, options), "write");
      await step(() => destroy("perm", options), "write");
      const tree = renderTree(<WebServer />);
      const full = deployPolicy(tree, particles, { extra: lock.permissions ?? [] });
      const planOnly = deployPolicy(tree, particles, { planOnly: true });
      expect(actionsOf(full.policy.Statement)).toEqual([...new Set([...all, ...PERMISSION_ONLY, ...RECOVERY_ONLY])].sort());
      expect(actionsOf(planOnly.policy.Statement)).toEqual([...new Set(reads)].sort());
    },
  );
});

describe("the example stacks", () => {
  it("examples/web-app: every call of its plan, apply, re-plan and destroy is in its policy, and its policy is the scenario's", async () => {
    const from = (await moto.calls()).length;
    const example = { ...options, sourceRoot: "examples/web-app" };
    await plan(<WebApp env="dev" />, example);
    await apply(<WebApp env="dev" />, example);
    await plan(<WebApp env="dev" />, example);
    await destroy("web-app-dev", example);
    const policy = actionsOf(deployPolicy(renderTree(<WebApp env="dev" />), particles, { extra: lock.permissions ?? [] }).policy.Statement);
    expect((await recorded(from)).filter((action) => !policy.includes(action))).toEqual([]);
    // It fits a managed policy: IAM takes at most 6,144 characters, whitespace aside.
    const document = deployPolicy(renderTree(<WebApp env="dev" />), particles, { extra: lock.permissions ?? [] }).policy;
    expect(JSON.stringify(document).length).toBeLessThanOrEqual(6_144);
    // The example uses every kind the scenario does, so its policy is the same list of actions.
    expect(policy).toEqual(
      actionsOf(deployPolicy(renderTree(<WebServer />), particles, { extra: lock.permissions ?? [] }).policy.Statement),
    );
  });
});

describe("the conditions of the deploy policy", () => {
  const { policy, notes } = deployPolicy(renderTree(<WebServer />), particles, { extra: lock.permissions ?? [] });
  const READ = /^ec2:(Describe|Get)/;

  it("conditions every EC2 write on the stack's tag, or says why it cannot", () => {
    for (const statement of policy.Statement) {
      const writes = statement.Action.filter((a) => a.startsWith("ec2:") && !READ.test(a));
      if (writes.length === 0) continue;
      const condition = JSON.stringify(statement.Condition ?? {});
      const tagged = condition.includes('"aws:ResourceTag/jiti:stack":"perm"') || condition.includes('"aws:RequestTag/jiti:stack":"perm"');
      expect(tagged || notes[statement.Sid] !== undefined, `${statement.Sid} ${writes.join(", ")}`).toBe(true);
    }
  });

  it("confines IAM writes to the stack's path and PassRole to its roles", () => {
    for (const statement of policy.Statement) {
      const iam = statement.Action.filter((a) => a.startsWith("iam:") && !/^iam:(Get|List)/.test(a));
      if (iam.length === 0) continue;
      const resources = typeof statement.Resource === "string" ? [statement.Resource] : statement.Resource;
      for (const resource of resources)
        expect(resource, `${statement.Sid} ${iam.join(", ")}`).toMatch(/^arn:aws:iam::\*:(role|instance-profile)\/jiti\/perm\/\*$/);
    }
    const passRole = policy.Statement.filter((s) => s.Action.includes("iam:PassRole"));
    expect(passRole.map((s) => s.Resource)).toEqual(["arn:aws:iam::*:role/jiti/perm/*"]);
  });
});

describe("a stack that builds into adopted resources", () => {
  const shared = (existing: { id: string } | { tags: Record<string, string> }) => (
    <Stack name="app">
      <Vpc name="shared" existing={existing}>
        <Subnet name="a" cidr="10.9.1.0/24" />
      </Vpc>
    </Stack>
  );
  const statementsFor = (action: string, element: ReturnType<typeof shared>, planOnly = false) =>
    deployPolicy(renderTree(element), particles, { planOnly }).policy.Statement.filter((s) => s.Action.includes(action));

  it("may make its subnets in an adopted VPC, by the VPC's id, and change nothing else of it", () => {
    const grants = statementsFor("ec2:CreateSubnet", shared({ id: "vpc-0abc1234" }));
    const resources = (r: string | string[]) => (typeof r === "string" ? [r] : r);
    // On the adopted VPC by its id, with no condition; on the stack's own VPCs by their tag.
    expect(grants.find((s) => resources(s.Resource).includes("arn:aws:ec2:*:*:vpc/vpc-0abc1234"))!.Condition).toBeUndefined();
    expect(grants.find((s) => resources(s.Resource).includes("arn:aws:ec2:*:*:vpc/*"))!.Condition).toEqual({
      StringEquals: { "aws:ResourceTag/jiti:stack": "app" },
    });
    const onAdopted = deployPolicy(renderTree(shared({ id: "vpc-0abc1234" })), particles).policy.Statement.filter(
      (s) => s.Resource === "arn:aws:ec2:*:*:vpc/vpc-0abc1234",
    );
    for (const statement of onAdopted) expect(statement.Action.filter((a) => /Delete|Modify/.test(a))).toEqual([]);
  });

  it("grants an adopted VPC found by tags by those tags, and looks it up in a plan", () => {
    const grants = statementsFor("ec2:CreateSubnet", shared({ tags: { Name: "shared-net" } }));
    expect(grants.map((s) => s.Condition)).toContainEqual({ StringEquals: { "aws:ResourceTag/Name": "shared-net" } });
    expect(statementsFor("ec2:DescribeVpcs", shared({ tags: { Name: "shared-net" } }), true)).toHaveLength(1);
  });

  it("may pass an adopted role to the profiles it holds, by the role's name", () => {
    const adopted = (
      <Stack name="app">
        <Role name="shared" existing={{ id: "shared-app" }}>
          <InstanceProfile name="app" />
        </Role>
      </Stack>
    );
    const passRole = deployPolicy(renderTree(adopted), particles).policy.Statement.filter((s) => s.Action.includes("iam:PassRole"));
    expect(passRole.flatMap((s) => (typeof s.Resource === "string" ? [s.Resource] : s.Resource)).sort()).toEqual([
      "arn:aws:iam::*:role/*/shared-app",
      "arn:aws:iam::*:role/jiti/app/*",
      "arn:aws:iam::*:role/shared-app",
    ]);
  });
});
