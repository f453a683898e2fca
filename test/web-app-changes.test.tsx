import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreatePolicyCommand, IAMClient } from "@aws-sdk/client-iam";
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
  type InstanceType,
} from "@jiti/aws-particles";
import { CloudInit, Run } from "@jiti/aws-particles/userdata";
import { ref } from "@jiti/jsx-runtime";
import { apply, destroy, plan, type Action } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import { useMoto } from "@jiti/testkit";

useMoto();

interface Knobs {
  dnsHostnames?: boolean;
  subnetCidr?: string;
  ingress?: number[];
  groupDescription?: string;
  inline?: boolean;
  managed?: string[];
  profileTags?: Record<string, string>;
  gatewayTags?: Record<string, string>;
  type?: InstanceType;
  greeting?: string;
  rootVolumeSize?: number;
  state?: "running" | "stopped";
}

/** The web-server stack of examples/web-app, with a knob for every prop the test changes. */
function WebServer(k: Knobs) {
  const gateway = ref(InternetGateway);
  const subnet = ref(Subnet);
  const web = ref(SecurityGroup);
  const profile = ref(InstanceProfile);
  return (
    <Stack name="web">
      <Role
        name="app"
        assumedBy="ec2.amazonaws.com"
        managedPolicies={k.managed ?? []}
        inlinePolicies={
          k.inline ? { logs: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "logs:PutLogEvents", Resource: "*" }] } } : {}
        }
      >
        <InstanceProfile name="app" ref={profile} tags={k.profileTags ?? {}} />
      </Role>
      <Vpc name="main" cidr="10.0.0.0/16" dnsHostnames={k.dnsHostnames ?? true}>
        <InternetGateway name="gw" ref={gateway} tags={k.gatewayTags ?? {}} />
        <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway }]} subnets={[subnet]} />
        <SecurityGroup
          name="web"
          ref={web}
          description={k.groupDescription ?? "web"}
          ingress={(k.ingress ?? [80]).map((port) => ({ port, from: "0.0.0.0/0" }))}
        />
        <Subnet name="public-a" ref={subnet} cidr={k.subnetCidr ?? "10.0.1.0/24"} zone={0} public>
          <Ec2
            name="web"
            type={k.type ?? "t3.micro"}
            image={amazonLinux()}
            securityGroups={[web]}
            profile={profile}
            rootVolumeSize={k.rootVolumeSize ?? 8}
            state={k.state ?? "running"}
            userData={
              <CloudInit>
                <Run command={`echo ${k.greeting ?? "hello"}`} />
              </CloudInit>
            }
          />
        </Subnet>
      </Vpc>
    </Stack>
  );
}

const changed = (actions: Action[]) =>
  Object.fromEntries(
    actions
      .filter((a) => a.action !== "noop")
      .map((a) => [a.path, `${a.action}${a.changes.length ? ` ${a.changes.map((c) => c.field).join(",")}` : ""}`]),
  );

describe("the web-server stack survives every kind of change", () => {
  it("updates in place what can be updated and replaces the rest, converging each time", async () => {
    const iam = new IAMClient({});
    const policy = await iam.send(
      new CreatePolicyCommand({
        PolicyName: "read-assets",
        PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] }),
      }),
    );
    let knobs: Knobs = {};
    let outputs = (await apply(<WebServer />, { particles })).outputs;

    const step = async (change: Knobs, expected: Record<string, string>) => {
      knobs = { ...knobs, ...change };
      const result = await apply(<WebServer {...knobs} />, { particles });
      expect(changed(result.plan.actions)).toEqual(expected);
      const again = await plan(<WebServer {...knobs} />, { particles });
      expect(changed(again.plan.actions), "converged").toEqual({});
      const before = outputs;
      outputs = result.outputs;
      return (path: string) => [before[path]!.id, outputs[path]!.id];
    };

    let ids = await step({ dnsHostnames: false }, { "Vpc:main": "update dnsHostnames" });
    expect(ids("Vpc:main")[0]).toBe(ids("Vpc:main")[1]);

    ids = await step({ ingress: [80, 443] }, { "Vpc:main/SecurityGroup:web": "update ingress" });
    expect(ids("Vpc:main/SecurityGroup:web")[0]).toBe(ids("Vpc:main/SecurityGroup:web")[1]);

    ids = await step({ inline: true, managed: [policy.Policy!.Arn!] }, { "Role:app": "update inlinePolicies,managedPolicies" });
    expect(ids("Role:app")[0]).toBe(ids("Role:app")[1]);

    await step(
      { profileTags: { team: "web" }, gatewayTags: { team: "web" } },
      {
        "Role:app/InstanceProfile:app": "update tags",
        "Vpc:main/InternetGateway:gw": "update tags",
      },
    );

    ids = await step({ type: "t3.small", rootVolumeSize: 16 }, { "Vpc:main/Subnet:public-a/Ec2:web": "update rootVolumeSize,type" });
    expect(ids("Vpc:main/Subnet:public-a/Ec2:web")[0]).toBe(ids("Vpc:main/Subnet:public-a/Ec2:web")[1]);

    ids = await step({ state: "stopped" }, { "Vpc:main/Subnet:public-a/Ec2:web": "update state" });
    ids = await step({ state: "running" }, { "Vpc:main/Subnet:public-a/Ec2:web": "update state" });

    ids = await step({ greeting: "bonjour" }, { "Vpc:main/Subnet:public-a/Ec2:web": "replace userData" });
    expect(ids("Vpc:main/Subnet:public-a/Ec2:web")[0]).not.toBe(ids("Vpc:main/Subnet:public-a/Ec2:web")[1]);

    ids = await step(
      { groupDescription: "web servers" },
      {
        "Vpc:main/SecurityGroup:web": "replace description",
        "Vpc:main/Subnet:public-a/Ec2:web": "update securityGroups",
      },
    );
    expect(ids("Vpc:main/SecurityGroup:web")[0]).not.toBe(ids("Vpc:main/SecurityGroup:web")[1]);

    ids = await step(
      { subnetCidr: "10.0.2.0/24" },
      {
        "Vpc:main/Subnet:public-a": "replace cidr",
        "Vpc:main/Subnet:public-a/Ec2:web": "replace subnet",
        "Vpc:main/RouteTable:public": "update subnets",
      },
    );
    expect(ids("Vpc:main/Subnet:public-a")[0]).not.toBe(ids("Vpc:main/Subnet:public-a")[1]);

    await destroy("web", { particles });
    expect((await plan(<WebServer {...knobs} />, { particles })).snapshot.owned).toEqual([]);
  }, 120_000);

  it("uses an existing VPC by id: reads it, builds inside it, and never changes or deletes it", async () => {
    const ec2 = new EC2Client({});
    const shared = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.9.0.0/16" }));
    const vpcId = shared.Vpc!.VpcId!;
    const stack = (
      <Stack name="tenant">
        <Vpc name="shared" existing={{ id: vpcId }}>
          <Subnet name="a" cidr="10.9.1.0/24" />
        </Vpc>
      </Stack>
    );
    const result = await apply(stack, { particles });
    expect(changed(result.plan.actions)).toEqual({ "Vpc:shared/Subnet:a": "create cidr,public,tags,vpc,zone" });
    expect(result.outputs["Vpc:shared"]).toMatchObject({ id: vpcId });
    await destroy("tenant", { particles });
    const still = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
    expect(still.Vpcs).toHaveLength(1);
  });

  it("fails before any change when a lookup matches nothing", async () => {
    const stack = (
      <Stack name="tenant">
        <Vpc name="shared" existing={{ tags: { Name: "nope" } }}>
          <Subnet name="a" cidr="10.9.1.0/24" />
        </Vpc>
      </Stack>
    );
    await expect(apply(stack, { particles })).rejects.toThrow(
      /Vpc:shared \(aws\.ec2\.Vpc\): existing resource not found \(found: \{"tags":\{"Name":"nope"\}\}\)/,
    );
  });
});
