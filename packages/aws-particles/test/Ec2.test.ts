/**
 * The EC2 instance particle against moto 5.2.1 through the real SDK. Where
 * moto is looser than AWS the particle follows AWS, and the test says so
 * ("moto gap").
 */
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceStopped,
} from "@aws-sdk/client-ec2";
import { CreateInstanceProfileCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { jsx } from "@jiti/jsx-runtime";
import type { DesiredState, LiveResource } from "@jiti/reconciler";
import { digest, particleOf, type ParticleContext } from "@jiti/reconciler/particle";
import { describe, expect, test } from "vitest";
import { startAwsProxy, useMoto, type Fault } from "@jiti/testkit";
import { Ec2, type Ec2Data, type Ec2Props } from "../src/ec2/Ec2.js";
import { amazonLinux, ImageLookupError, imageParameter, ubuntu } from "../src/ec2/image.js";
import { CloudInit, renderUserData, Run } from "../src/userdata/index.js";
import { desired, particleContext, createAndConfigure } from "./context.js";
import { noteProfileChanged } from "../src/aws/propagation.js";

const moto = useMoto();
// Built before useMoto's beforeAll: the SDK reads AWS_ENDPOINT_URL when the first command is sent.
const ec2 = new EC2Client({});
const iam = new IAMClient({ region: "us-east-1" });
const ssm = new SSMClient({});

const particle = particleOf(Ec2)!;
const PATH = "Vpc:main/Subnet:a/Ec2:web";
const SCRIPT = "#!/bin/bash\necho hello > /tmp/hello\n";

interface Network {
  vpc: string;
  subnet: string;
  web: string;
  admin: string;
  defaultGroup: string;
}

async function network(): Promise<Network> {
  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
  const vpc = Vpc!.VpcId!;
  const { Subnet } = await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: "10.0.1.0/24" }));
  const group = async (name: string) =>
    (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc, GroupName: name, Description: name }))).GroupId!;
  const groups = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: "vpc-id", Values: [vpc] },
        { Name: "group-name", Values: ["default"] },
      ],
    }),
  );
  return {
    vpc,
    subnet: Subnet!.SubnetId!,
    web: await group("web"),
    admin: await group("admin"),
    defaultGroup: groups.SecurityGroups![0]!.GroupId!,
  };
}

async function instanceProfile(name: string) {
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Path: "/jiti/test-stack/" }));
}

/** Props as the reconciler hands them to create: defaults applied, references resolved to ids. */
function props(net: Network, overrides: Partial<Ec2Props> = {}): Ec2Props {
  return {
    ...(particle.defaults as Partial<Ec2Props>),
    subnet: net.subnet,
    image: amazonLinux(),
    tags: { Name: "test-stack/main/a/web", team: "analytics" },
    ...overrides,
  };
}

async function rawInstance(id: string) {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations![0]!.Instances![0]!;
}

async function rawRootVolume(id: string) {
  const out = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [id] }] }));
  return out.Volumes![0]!;
}

async function associations(id: string) {
  const out = await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: "instance-id", Values: [id] }] }));
  return out.IamInstanceProfileAssociations ?? [];
}

const tagsOf = (tags: { Key?: string; Value?: string }[] | undefined) => Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]));

async function calls(operation: string) {
  return (await moto.calls()).filter((c) => c.operation === operation && c.attempt === 1).length;
}

async function launch(ctx: ParticleContext, p: Ec2Props, state: DesiredState = "running"): Promise<LiveResource<Ec2Data>> {
  return createAndConfigure(particle, ctx, desired(ctx, PATH, p, { state }));
}

async function update(
  ctx: ParticleContext,
  live: LiveResource<Ec2Data>,
  p: Ec2Props,
  changed: (keyof Ec2Props)[],
  state: DesiredState = "running",
) {
  return (await particle.update(ctx, live, desired(ctx, PATH, p, { state }), changed)) as LiveResource<Ec2Data>;
}

async function latestAmazonLinux(): Promise<string> {
  const out = await ssm.send(new GetParameterCommand({ Name: imageParameter(amazonLinux()) }));
  return out.Parameter!.Value!;
}

describe("create", () => {
  test("launches one instance from the lookup's AMI, tagged from the create call on instance and root volume", async () => {
    const net = await network();
    await instanceProfile("app");
    const ctx = particleContext();
    const p = props(net, { securityGroups: [net.web], profile: "app", userData: SCRIPT, rootVolumeSize: 20 });

    const live = await launch(ctx, await particle.resolve!(ctx, p));

    const instance = await rawInstance(live.id);
    expect(instance.State?.Name).toBe("running");
    expect(instance.ImageId).toBe(await latestAmazonLinux());
    expect(instance.InstanceType).toBe("t3.micro");
    expect(instance.SubnetId).toBe(net.subnet);
    expect(instance.SecurityGroups?.map((g) => g.GroupId)).toEqual([net.web]);
    expect(instance.IamInstanceProfile?.Arn).toMatch(/:instance-profile\/jiti\/test-stack\/app$/);
    expect(instance.MetadataOptions).toMatchObject({ HttpTokens: "required", HttpEndpoint: "enabled" });
    expect(tagsOf(instance.Tags)).toMatchObject({
      "jiti:stack": "test-stack",
      "jiti:path": PATH,
      Name: "test-stack/main/a/web",
      team: "analytics",
    });
    // moto gap: RunInstances ignores ClientToken (a second call with the same token starts a second
    // instance); AWS honours it, so one is sent: the create's token, also a tag, by which a create
    // whose reply was lost finds the instance it made.
    expect(instance.ClientToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(tagsOf(instance.Tags)["jiti:create-token"]).toBe(instance.ClientToken);

    const volume = await rawRootVolume(live.id);
    expect(volume.Attachments?.[0]?.Device).toBe(instance.RootDeviceName);
    expect(volume).toMatchObject({ Size: 20, VolumeType: "gp3", Encrypted: true });
    expect(tagsOf(volume.Tags)).toEqual({
      "jiti:stack": "test-stack",
      "jiti:path": PATH,
      "jiti:part": "root-volume",
      Name: "test-stack/main/a/web",
      team: "analytics",
    });

    const userData = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: live.id, Attribute: "userData" }));
    expect(Buffer.from(userData.UserData!.Value!, "base64").toString("utf8")).toBe(SCRIPT);

    expect(live).toMatchObject({ type: "aws.ec2.Instance", path: PATH, stack: "test-stack", status: "running" });
    expect(particle.outputs(live)).toEqual({
      id: live.id,
      privateIp: instance.PrivateIpAddress,
      publicIp: instance.PublicIpAddress ?? null,
      publicDns: instance.PublicDnsName || null,
      az: instance.Placement?.AvailabilityZone,
    });
    expect(await calls("RunInstances")).toBe(1);
    // The lookup's parameter and the image are read once per run, however often they are asked for.
    const reads = async () => [await calls("GetParameter"), await calls("DescribeImages")];
    const first = await reads();
    await particle.resolve!(ctx, p);
    await launch(ctx, { ...p, tags: { Name: "second" } });
    expect(await reads()).toEqual(first);
    expect(await calls("RunInstances")).toBe(2);
  });

  test("without a size the root volume takes the image's; with state stopped the instance ends stopped", async () => {
    const net = await network();
    const ctx = particleContext();
    const live = await launch(ctx, props(net, { image: await latestAmazonLinux() }), "stopped");

    expect((await rawInstance(live.id)).State?.Name).toBe("stopped");
    expect(live.status).toBe("stopped");
    // moto gap: moto's RunInstances refuses a block device mapping without a size
    // (MissingParameter); AWS takes the snapshot's. jiti passes the image's size explicitly.
    expect((await rawRootVolume(live.id)).Size).toBe(live.data.rootVolume?.size);
    expect(particle.observe(live).rootVolumeSize).toBeUndefined();
  });

  test("userData JSX handed to create unrendered is rendered and applied, never dropped", async () => {
    const net = await network();
    const ctx = particleContext();
    const element = jsx(CloudInit, { children: jsx(Run, { children: "echo hello" }) });

    const live = await launch(ctx, props(net, { userData: element }));

    const userData = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: live.id, Attribute: "userData" }));
    expect(Buffer.from(userData.UserData!.Value!, "base64").toString("utf8")).toBe(renderUserData(element));
    expect(particle.observe(live).userData).toBe(digest(renderUserData(element)));
  });

  // moto gap: moto knows a profile at once (and answers NoSuchEntity for a
  // missing one). AWS answers InvalidParameterValue for seconds after a profile
  // is made or given its role; the fault proxy answers that, in AWS's words,
  // in front of the real request to moto.
  const NOT_READY: Fault = {
    kind: "error",
    code: "InvalidParameterValue",
    message: "Value (fresh) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name",
  };

  test("retries EC2's refusal of an instance profile this run has just made, until IAM's change has spread", async () => {
    const net = await network();
    await instanceProfile("fresh");
    const proxy = await startAwsProxy(moto.endpoint);
    try {
      const ctx = { ...particleContext(), aws: { region: "us-east-1", endpoint: proxy.endpoint } };
      // As the InstanceProfile particle does when it makes a profile or gives it its role.
      noteProfileChanged(ctx, "fresh");
      const refused = proxy.inject({ operation: "RunInstances", fault: NOT_READY, times: 2 });

      const live = await launch(ctx, props(net, { profile: "fresh" }));

      expect(refused.fired).toBe(2);
      expect(live.data.profile).toBe("fresh");
      expect(proxy.calls.filter((c) => c.operation === "RunInstances" && c.status === 200)).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  test("fails at once on that refusal for a profile this run did not touch, and on any other InvalidParameterValue", async () => {
    const net = await network();
    await instanceProfile("fresh");
    const proxy = await startAwsProxy(moto.endpoint);
    try {
      const ctx = { ...particleContext(), aws: { region: "us-east-1", endpoint: proxy.endpoint } };
      proxy.inject({ operation: "RunInstances", fault: NOT_READY });
      // A profile made before this run is not propagating: the refusal is a real one.
      await expect(launch(ctx, props(net, { profile: "fresh" }))).rejects.toMatchObject({ code: "InvalidParameterValue" });

      noteProfileChanged(ctx, "fresh");
      proxy.inject({
        operation: "RunInstances",
        fault: { kind: "error", code: "InvalidParameterValue", message: "Invalid value 't3.nano2' for InstanceType." },
      });
      await expect(launch(ctx, props(net, { profile: "fresh" }))).rejects.toMatchObject({ message: expect.stringContaining("t3.nano2") });
      expect(proxy.calls.filter((c) => c.operation === "RunInstances")).toHaveLength(2);
      expect(await calls("RunInstances")).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});

describe("list and observe", () => {
  test("list: exactly two calls, other stacks and terminated instances left out; observe equals the desired props", async () => {
    const net = await network();
    const ctx = particleContext();
    const p = props(net, { securityGroups: [net.web, net.admin].sort(), userData: SCRIPT, rootVolumeSize: 12 });
    const live = await launch(ctx, p);
    const gone = await createAndConfigure(particle, ctx, desired(ctx, "Vpc:main/Subnet:a/Ec2:old", props(net)));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [gone.id] }));
    const other = particleContext("other-stack");
    await particle.create(other, desired(other, PATH, props(net)));

    const before = (await moto.calls()).length;
    const listed = await particle.list(particleContext());
    const listCalls = (await moto.calls())
      .slice(before)
      .filter((c) => c.attempt === 1)
      .map((c) => c.operation);

    expect(listCalls.sort()).toEqual(["DescribeInstances", "DescribeVolumes"]);
    expect(listed.map((l) => [l.id, l.path, l.stack])).toEqual([[live.id, PATH, "test-stack"]]);
    // userData is hashed: observe shows the digest of what was applied, as the plan compares it.
    expect(particle.observe(listed[0]!)).toEqual({ ...p, userData: digest(SCRIPT) });
  });

  test("refresh reads the user data, one call, so observe reports the digest of what AWS holds", async () => {
    const net = await network();
    const ctx = particleContext();
    const p = props(net, { userData: SCRIPT });
    const live = await launch(ctx, p);
    const plain = await launch(particleContext("plain"), props(net));
    const [listed] = await particle.list(ctx);
    const before = (await moto.calls()).length;
    // Read back, the script jiti gave the instance has the digest jiti recorded.
    expect(particle.observe(await particle.refresh!(ctx, listed!))).toEqual({ ...p, userData: digest(SCRIPT) });
    expect(await moto.operations(before)).toEqual(["DescribeInstanceAttribute"]);
    // Changed by hand (on a stopped instance, base64 as AWS asks, sent as a blob), it is seen.
    await ec2.send(new StopInstancesCommand({ InstanceIds: [live.id] }));
    await waitUntilInstanceStopped({ client: ec2, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { InstanceIds: [live.id] });
    const other = "#!/bin/bash\necho changed\n";
    await ec2.send(
      new ModifyInstanceAttributeCommand({
        InstanceId: live.id,
        UserData: { Value: new TextEncoder().encode(Buffer.from(other).toString("base64")) },
      }),
    );
    const [again] = await particle.list(ctx);
    expect(particle.observe(again!).userData).toBe(digest(SCRIPT));
    expect(particle.observe(await particle.refresh!(ctx, again!)).userData).toBe(digest(other));
    // An instance without user data reads as none.
    const [none] = await particle.list(particleContext("plain"));
    expect(particle.observe(await particle.refresh!(ctx, none!)).userData).toBeUndefined();
    expect(none!.id).toBe(plain.id);
  });

  test("with no security groups AWS attaches the VPC's default group, which observe reports as []", async () => {
    const net = await network();
    const ctx = particleContext();
    const p = props(net);
    const live = await launch(ctx, p);

    expect(particle.observe(live)).toEqual(p);
    // moto gap: moto lists no group on an instance launched without any (AWS lists the
    // default group), so the AWS shape is checked on a copy as AWS would report it.
    const asAws = { ...live, data: { ...live.data, securityGroups: [{ id: net.defaultGroup, name: "default" }] } };
    expect(particle.observe(asAws).securityGroups).toEqual([]);
    // Someone else adding a group is drift, shown as the ids.
    const drifted = {
      ...live,
      data: {
        ...live.data,
        securityGroups: [
          { id: net.defaultGroup, name: "default" },
          { id: net.web, name: "web" },
        ],
      },
    };
    expect(particle.observe(drifted).securityGroups).toEqual([net.defaultGroup, net.web].sort());
  });

  test("the default group listed by id is observed by id, not as []", async () => {
    const net = await network();
    const ctx = particleContext();
    const p = props(net, { securityGroups: [net.defaultGroup] });
    const live = await launch(ctx, p);

    expect(particle.observe(live).securityGroups).toEqual([net.defaultGroup]);
  });
});

describe("image lookups", () => {
  test("resolve reads the lookup's AMI once per run and keeps the lookup in the props", async () => {
    const ctx = particleContext();
    const p = { image: amazonLinux() } as Ec2Props;

    expect(await particle.resolve!(ctx, p)).toEqual(p);
    expect(await particle.resolve!(ctx, p)).toEqual(p);
    expect(await calls("GetParameter")).toBe(1);
    expect(imageParameter(amazonLinux())).toBe("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
    expect(imageParameter(amazonLinux({ arch: "arm64" }))).toBe("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
  });

  test("a new AMI release does not change what observe reports; only another lookup or id would", async () => {
    const net = await network();
    const ctx = particleContext();
    const live = await launch(ctx, props(net));

    // The AMI id is not part of what plans compare: the lookup is, recorded at create.
    expect(particle.observe(live).image).toEqual(amazonLinux());
    expect(particle.observe(live).image).not.toEqual(amazonLinux({ arch: "arm64" }));
    // An instance whose AMI is not the one the lookup gave at create is reported by its AMI id.
    const otherAmi = { ...live, data: { ...live.data, imageId: "ami-0123456789abcdef0" } };
    expect(particle.observe(otherAmi).image).toBe("ami-0123456789abcdef0");
    // An instance created from an explicit id is reported by it.
    const byId = await createAndConfigure(
      particle,
      ctx,
      desired(ctx, "Vpc:main/Subnet:a/Ec2:pinned", props(net, { image: await latestAmazonLinux() })),
    );
    expect(particle.observe(byId).image).toBe(await latestAmazonLinux());
  });

  test("ubuntu(): a missing parameter fails resolve with the parameter's name and AWS's code", async () => {
    const lookup = ubuntu({ version: "24.04", arch: "arm64" });
    const name = "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id";
    expect(imageParameter(lookup)).toBe(name);
    expect(imageParameter(ubuntu({ version: "22.04" }))).toBe(
      "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id",
    );
    // moto gap: moto 5.2.1 serves the Amazon Linux parameters but not Canonical's, and
    // refuses to create any parameter under /aws/ (AccessDeniedException, as AWS does),
    // so the Ubuntu lookup cannot be resolved against moto: only its failure can be tested.
    await expect(ssm.send(new PutParameterCommand({ Name: name, Value: "ami-0123456789abcdef0", Type: "String" }))).rejects.toMatchObject({
      name: "AccessDeniedException",
    });

    const failure = particle.resolve!(particleContext(), { image: lookup } as Ec2Props);

    await expect(failure).rejects.toBeInstanceOf(ImageLookupError);
    await expect(failure).rejects.toMatchObject({ code: "ParameterNotFound", message: expect.stringContaining(name) });
  });

  test("an AMI id that does not exist fails create before RunInstances, naming the id", async () => {
    const net = await network();
    const ctx = particleContext();

    await expect(launch(ctx, props(net, { image: "ami-0000000000000dead" }))).rejects.toMatchObject({
      code: "InvalidAMIID.NotFound",
      message: expect.stringContaining("ami-0000000000000dead"),
    });
    expect(await calls("RunInstances")).toBe(0);
  });
});

describe("update", () => {
  test("type: stop, modify, start; the id is kept and the instance runs again", async () => {
    const net = await network();
    const ctx = particleContext();
    const live = await launch(ctx, props(net));
    const before = (await moto.calls()).length;

    const updated = await update(ctx, live, props(net, { type: "t3.small" }), ["type"]);

    const order = (await moto.calls())
      .slice(before)
      .map((c) => c.operation)
      .filter((o) => /^(Stop|Start)Instances$|^ModifyInstanceAttribute$/.test(o));
    expect(order).toEqual(["StopInstances", "ModifyInstanceAttribute", "StartInstances"]);
    expect(updated.id).toBe(live.id);
    expect(await rawInstance(live.id)).toMatchObject({ InstanceType: "t3.small", State: { Name: "running" } });
    expect(particle.observe(updated).type).toBe("t3.small");
  });

  test("type on a stopped instance leaves it stopped", async () => {
    const net = await network();
    const ctx = particleContext();
    const live = await launch(ctx, props(net), "stopped");

    await update(ctx, live, props(net, { type: "t3.large" }), ["type"], "stopped");

    expect(await rawInstance(live.id)).toMatchObject({ InstanceType: "t3.large", State: { Name: "stopped" } });
    expect(await calls("StartInstances")).toBe(0);
  });

  test("securityGroups: swapped in place, and [] falls back to the VPC's default group", async () => {
    const net = await network();
    const ctx = particleContext();
    const live = await launch(ctx, props(net, { securityGroups: [net.web] }));

    const swapped = await update(ctx, live, props(net, { securityGroups: [net.admin, net.web].sort() }), ["securityGroups"]);
    expect((await rawInstance(live.id)).SecurityGroups?.map((g) => g.GroupId).sort()).toEqual([net.admin, net.web].sort());
    expect(particle.observe(swapped).securityGroups).toEqual([net.admin, net.web].sort());

    const cleared = await update(ctx, swapped, props(net, { securityGroups: [] }), ["securityGroups"]);
    expect((await rawInstance(live.id)).SecurityGroups?.map((g) => g.GroupId)).toEqual([net.defaultGroup]);
    expect(particle.observe(cleared).securityGroups).toEqual([]);
    expect(cleared.id).toBe(live.id);
  });

  test("profile: associated, swapped and removed while the instance runs", async () => {
    const net = await network();
    await instanceProfile("app");
    await instanceProfile("admin");
    const ctx = particleContext();
    const live = await launch(ctx, props(net));
    expect(particle.observe(live).profile).toBeUndefined();

    const associated = await update(ctx, live, props(net, { profile: "app" }), ["profile"]);
    expect(particle.observe(associated).profile).toBe("app");
    expect((await associations(live.id)).map((a) => a.IamInstanceProfile?.Arn)).toEqual([expect.stringMatching(/\/app$/)]);

    const swapped = await update(ctx, associated, props(net, { profile: "admin" }), ["profile"]);
    expect((await associations(live.id)).map((a) => a.IamInstanceProfile?.Arn)).toEqual([expect.stringMatching(/\/admin$/)]);
    expect(await calls("ReplaceIamInstanceProfileAssociation")).toBe(1);
    // moto gap: after ReplaceIamInstanceProfileAssociation moto's DescribeInstances still shows
    // the old profile (the association itself is right, above); AWS shows the new one.
    expect(swapped.data.profile).toBe("app");

    const removed = await update(ctx, swapped, props(net), ["profile"]);
    expect(await associations(live.id)).toEqual([]);
    expect(particle.observe(removed).profile).toBeUndefined();
    expect(removed.id).toBe(live.id);
  });

  test("imdsV2: false allows IMDSv1, true requires tokens again", async () => {
    const net = await network();
    const ctx = particleContext();
    const live = await launch(ctx, props(net));

    const optional = await update(ctx, live, props(net, { imdsV2: false }), ["imdsV2"]);
    expect((await rawInstance(live.id)).MetadataOptions?.HttpTokens).toBe("optional");
    expect(particle.observe(optional).imdsV2).toBe(false);

    const required = await update(ctx, optional, props(net, { imdsV2: true }), ["imdsV2"]);
    expect((await rawInstance(live.id)).MetadataOptions?.HttpTokens).toBe("required");
    expect(particle.observe(required).imdsV2).toBe(true);
  });

  test("root volume: grows and changes type in place; shrinking fails before anything changes", async () => {
    const net = await network();
    const ctx = particleContext();
    const live = await launch(ctx, props(net, { rootVolumeSize: 20 }));

    const grown = await update(ctx, live, props(net, { rootVolumeSize: 30, rootVolumeType: "gp2" }), ["rootVolumeSize", "rootVolumeType"]);
    expect(await rawRootVolume(live.id)).toMatchObject({ Size: 30, VolumeType: "gp2" });
    expect(particle.observe(grown)).toMatchObject({ rootVolumeSize: 30, rootVolumeType: "gp2" });
    expect(await calls("ModifyVolume")).toBe(1);

    const shrink = update(ctx, grown, props(net, { rootVolumeSize: 10, rootVolumeType: "gp2", type: "t3.large" }), [
      "rootVolumeSize",
      "type",
    ]);
    await expect(shrink).rejects.toMatchObject({ code: "VolumeCannotShrink", message: expect.stringContaining("replaceOnChanges") });
    expect(await calls("ModifyVolume")).toBe(1);
    expect(await calls("StopInstances")).toBe(0);
    expect(await rawInstance(live.id)).toMatchObject({ InstanceType: "t3.micro", State: { Name: "running" } });
  });

  test("tags: changed on the instance and its root volume; ownership and attributes kept", async () => {
    const net = await network();
    const ctx = particleContext();
    const live = await launch(ctx, props(net, { userData: SCRIPT }));

    const tags = { Name: "renamed", owner: "ops" };
    const updated = await update(ctx, live, props(net, { userData: SCRIPT, tags }), ["tags"]);

    const instanceTags = tagsOf((await rawInstance(live.id)).Tags);
    expect(instanceTags).toMatchObject({ "jiti:stack": "test-stack", "jiti:path": PATH, Name: "renamed", owner: "ops" });
    expect(instanceTags).not.toHaveProperty("team");
    expect(tagsOf((await rawRootVolume(live.id)).Tags)).toEqual({
      "jiti:stack": "test-stack",
      "jiti:path": PATH,
      "jiti:part": "root-volume",
      ...tags,
    });
    expect(particle.observe(updated)).toMatchObject({ tags, userData: digest(SCRIPT), image: amazonLinux() });
  });
});

describe("state and delete", () => {
  test("setState stops and starts the instance, keeping its id", async () => {
    const net = await network();
    const ctx = particleContext();
    const live = await launch(ctx, props(net));

    const stopped = await particle.setState!(ctx, live, "stopped");
    expect(stopped.status).toBe("stopped");
    expect((await rawInstance(live.id)).State?.Name).toBe("stopped");

    const running = await particle.setState!(ctx, stopped, "running");
    expect(running).toMatchObject({ id: live.id, status: "running" });
    expect((await rawInstance(live.id)).State?.Name).toBe("running");
  });

  test("delete terminates and waits; a second delete, or one of an instance never seen, is a no-op", async () => {
    const net = await network();
    const ctx = particleContext();
    const live = await launch(ctx, props(net));

    await particle.delete(ctx, live);
    expect((await rawInstance(live.id)).State?.Name).toBe("terminated");
    expect(await particle.list(ctx)).toEqual([]);

    await particle.delete(ctx, live);
    await particle.delete(ctx, { ...live, id: "i-0123456789abcdef0" });
  });
});
