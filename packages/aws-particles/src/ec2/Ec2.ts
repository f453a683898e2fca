import {
  AssociateIamInstanceProfileCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  DisassociateIamInstanceProfileCommand,
  ModifyInstanceAttributeCommand,
  ModifyInstanceMetadataOptionsCommand,
  ModifyVolumeCommand,
  paginateDescribeInstances,
  paginateDescribeVolumes,
  ReplaceIamInstanceProfileAssociationCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type Instance as AwsInstance,
  type RunInstancesCommandInput,
  type Volume as AwsVolume,
} from "@aws-sdk/client-ec2";
import { isElement, type JitiElement, type Ref } from "@jiti/jsx-runtime";
import {
  canonicalJson,
  checkFields,
  defineParticle,
  digest,
  is,
  isRefValue,
  type DesiredState,
  type Issue,
  type Json,
  type LiveResource,
  type ParticleContext,
} from "@jiti/reconciler";
import { randomUUID } from "node:crypto";
import { attrsTag, readAttrs } from "../aws/attrs.js";
import { ec2 } from "../aws/clients.js";
import { idOf } from "../aws/lookup.js";
import { hasCode, ignoreCodes } from "../aws/errors.js";
import { stackFilter, syncEc2Tags, tagMap, tagList, userTags } from "../aws/tags.js";
import { retryOn, waitFor } from "../aws/wait.js";
import { renderUserData, USER_DATA_LIMIT } from "../userdata/index.js";
import { describeImage, imageIssue, isImageLookup, resolveImage, type ImageLookup } from "./image.js";

export interface Ec2Props {
  /**
   * The subnet the instance runs in. Set by render from the enclosing
   * `<Subnet>`; there is no need to pass it. Moving the instance to another
   * subnet **replaces** it.
   */
  subnet?: Ref<"aws.ec2.Subnet"> | string;
  /**
   * The instance type, `<family>.<size>`: `"t3.micro"`, `"m7g.large"`,
   * `"c5n.18xlarge"`. Updated in place: the instance is stopped, changed and
   * started again (a few minutes of downtime; the id, private IP and volumes
   * stay, a public IP not from an Elastic IP changes). Add it to
   * `replaceOnChanges` to get a new instance instead.
   * @default "t3.micro"
   */
  type?: string;
  /**
   * The AMI: an id (`"ami-0abc…"`, which differs per region), or a lookup of
   * the latest image of a distribution, `amazonLinux()` or `ubuntu()`. A
   * lookup is resolved when an instance is created; a newer release of the
   * same lookup does not replace running instances. Changing the lookup or
   * the id **replaces** the instance.
   */
  image: string | ImageLookup;
  /**
   * Security groups: references to `<SecurityGroup>` elements, or existing
   * group ids (`"sg-…"`), at most 16. Empty means the VPC's default group,
   * which AWS attaches when none is given. Updated in place.
   * @default []
   */
  securityGroups?: (Ref<"aws.ec2.SecurityGroup"> | string)[];
  /**
   * The IAM instance profile whose role the instance's software acts as: a
   * reference to an `<InstanceProfile>`, or the name of an existing profile.
   * Updated in place (associated, swapped or removed while the instance runs).
   */
  profile?: Ref<"aws.iam.InstanceProfile"> | string;
  /**
   * The boot script cloud-init runs on first boot: a string, or JSX such as
   * `<CloudInit><NodeApp entry="./server.ts" /></CloudInit>`, rendered to a
   * script (at most 16 KB). AWS cannot show it back, so plans compare its
   * sha256 digest. Changing it **replaces** the instance, because the script
   * runs only on first boot.
   */
  userData?: string | JitiElement;
  /** The EC2 key pair whose public key is installed for SSH. Changing it **replaces** the instance. */
  keyName?: string;
  /**
   * Size of the root volume in GiB. Updated in place, by growing the volume
   * (the file system grows at the next boot, or with `growpart` and
   * `xfs_growfs`/`resize2fs`). EBS volumes cannot shrink: a smaller size fails
   * the apply, unless `replaceOnChanges` lists `rootVolumeSize`.
   * @default the image's size (8 GiB for Amazon Linux and Ubuntu)
   */
  rootVolumeSize?: number;
  /** Encrypt the root volume with the account's default EBS key. Changing it **replaces** the instance. @default true */
  rootVolumeEncrypted?: boolean;
  /** EBS type of the root volume. Updated in place (no downtime). @default "gp3" */
  rootVolumeType?: "gp3" | "gp2";
  /**
   * Require IMDSv2 session tokens for the instance metadata service, which
   * stops SSRF-style credential theft (`HttpTokens: required`); `false`
   * allows IMDSv1 as well. Updated in place. @default true
   */
  imdsV2?: boolean;
  /** Tags on the instance and its root volume, merged over the stack's tags. `Name` defaults to the stack and path. Updated in place. */
  tags?: Record<string, string>;
}

/** An instance as DescribeInstances and DescribeVolumes report it. */
export interface Ec2Data {
  type: string;
  imageId: string;
  subnet: string;
  vpc: string;
  zone: string;
  state: string;
  securityGroups: { id: string; name: string }[];
  /** Name of the associated instance profile. */
  profile: string | null;
  keyName: string | null;
  httpTokens: string | null;
  privateIp: string | null;
  publicIp: string | null;
  publicDns: string | null;
  rootVolume: RootVolume | null;
  tags: Record<string, string>;
}

export interface RootVolume {
  id: string;
  /** null when DescribeVolumes did not return the volume. */
  size: number | null;
  type: string | null;
  encrypted: boolean | null;
  tags: Record<string, string>;
}

const TYPE = "aws.ec2.Instance";
const NOT_FOUND = ["InvalidInstanceID.NotFound"];
/** States of an instance that exists; moto and AWS keep terminated ones visible for a while. */
const ALIVE = ["pending", "running", "stopping", "stopped"];
/** AWS's answer while a just-created instance profile is not yet visible to EC2 (IAM is eventually consistent). */
const PROFILE_NOT_READY = ["InvalidParameterValue"];
/** Tag marking the root volume as part of its instance, so that no volume particle ever takes it for its own. */
const PART_TAG = { "jiti:part": "root-volume" };
const INSTANCE_TYPE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*\.(nano|micro|small|medium|large|xlarge|\d+xlarge|metal(-\d+xl)?)$/;
/** Graviton families run arm64 images: t4g, m7g, c6gn, x2gd, im4gn, is4gen, a1. */
const ARM_FAMILY = /^([a-z]+\d+g[a-z]*|a1)$/;

/** The instance with its root volume, as jiti sees it. */
function toLive(instance: AwsInstance, volume: AwsVolume | undefined): LiveResource<Ec2Data> {
  const tags = tagMap(instance.Tags);
  const rootId = instance.BlockDeviceMappings?.find((m) => m.DeviceName === instance.RootDeviceName)?.Ebs?.VolumeId;
  const arn = instance.IamInstanceProfile?.Arn;
  return {
    type: TYPE,
    id: instance.InstanceId!,
    path: tags["jiti:path"],
    stack: tags["jiti:stack"],
    status: instance.State?.Name,
    data: {
      type: instance.InstanceType ?? "",
      imageId: instance.ImageId ?? "",
      subnet: instance.SubnetId ?? "",
      vpc: instance.VpcId ?? "",
      zone: instance.Placement?.AvailabilityZone ?? "",
      state: instance.State?.Name ?? "",
      securityGroups: (instance.SecurityGroups ?? []).map((g) => ({ id: g.GroupId ?? "", name: g.GroupName ?? "" })),
      // arn:aws:iam::123456789012:instance-profile/jiti/<stack>/<name>: the name is the last segment.
      profile: arn ? arn.slice(arn.lastIndexOf("/") + 1) : null,
      keyName: instance.KeyName ?? null,
      httpTokens: instance.MetadataOptions?.HttpTokens ?? null,
      privateIp: instance.PrivateIpAddress ?? null,
      publicIp: instance.PublicIpAddress ?? null,
      publicDns: instance.PublicDnsName || null,
      rootVolume: rootId
        ? {
            id: rootId,
            size: volume?.Size ?? null,
            type: volume?.VolumeType ?? null,
            encrypted: volume?.Encrypted ?? null,
            tags: tagMap(volume?.Tags),
          }
        : null,
      tags,
    },
  };
}

function rootVolumeId(instance: AwsInstance): string | undefined {
  return instance.BlockDeviceMappings?.find((m) => m.DeviceName === instance.RootDeviceName)?.Ebs?.VolumeId;
}

async function describe(ctx: ParticleContext, id: string): Promise<AwsInstance | undefined> {
  try {
    const out = await ec2(ctx).send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    return out.Reservations?.[0]?.Instances?.[0];
  } catch (error) {
    // Just launched, an instance may not be visible yet (eventual consistency).
    if (hasCode(error, ...NOT_FOUND)) return undefined;
    throw error;
  }
}

async function volumesById(ctx: ParticleContext, ids: string[]): Promise<Map<string, AwsVolume>> {
  if (ids.length === 0) return new Map();
  try {
    const out = await ec2(ctx).send(new DescribeVolumesCommand({ VolumeIds: ids }));
    return new Map((out.Volumes ?? []).map((v) => [v.VolumeId!, v]));
  } catch (error) {
    // One unknown id fails the whole call; a volume gone with its instance is simply not there.
    if (hasCode(error, "InvalidVolume.NotFound")) return new Map();
    throw error;
  }
}

/** The instance and its root volume, read again after a change: two calls. */
async function read(ctx: ParticleContext, id: string): Promise<LiveResource<Ec2Data>> {
  const instance = await describe(ctx, id);
  if (!instance) throw new Error(`instance ${id} disappeared while jiti was changing it`);
  const rootId = rootVolumeId(instance);
  return toLive(instance, rootId ? (await volumesById(ctx, [rootId])).get(rootId) : undefined);
}

/**
 * Waits until the instance is `target`. An instance that terminates on the
 * way (capacity, a KMS key it may not use…) fails with AWS's reason.
 */
function waitState(ctx: ParticleContext, id: string, target: "running" | "stopped" | "terminated") {
  return waitFor(ctx, `instance ${id} to be ${target}`, async () => {
    const instance = await describe(ctx, id);
    const state = instance?.State?.Name;
    if (target === "terminated") return !instance || state === "terminated" ? (instance ?? {}) : undefined;
    if (state === target) return instance;
    if (state === "shutting-down" || state === "terminated") {
      const reason = instance?.StateReason;
      throw Object.assign(new Error(`instance ${id} is ${state} instead of ${target}: ${reason?.Message || "no reason given"}`), {
        code: reason?.Code || "InstanceTerminated",
      });
    }
    return undefined;
  });
}

/** Starts or stops, retrying while the instance is between states (stopping, pending). */
async function changeState(ctx: ParticleContext, id: string, target: "running" | "stopped") {
  const command = target === "running" ? new StartInstancesCommand({ InstanceIds: [id] }) : new StopInstancesCommand({ InstanceIds: [id] });
  // Stopping can take minutes, and a start is refused until the stop is done.
  await retryOn(ctx, ["IncorrectInstanceState"], `instance ${id} to accept being ${target === "running" ? "started" : "stopped"}`, () => ec2(ctx).send(command), {
    timeoutMs: 300_000,
  });
  await waitState(ctx, id, target);
}

async function terminate(ctx: ParticleContext, id: string) {
  await ignoreCodes(NOT_FOUND, () => ec2(ctx).send(new TerminateInstancesCommand({ InstanceIds: [id] })));
  await waitState(ctx, id, "terminated");
}

function groupIds(props: Ec2Props): string[] {
  return (props.securityGroups ?? []).map((g) => idOf(g, "securityGroups"));
}

/**
 * What jiti applied that DescribeInstances cannot show (see attrs.ts): the
 * lookup the AMI came from, the user data's digest, whether the root size and
 * the security groups were left to AWS.
 */
function attrsOf(props: Ec2Props, imageId: string): Record<string, string> {
  return attrsTag({
    ami: imageId,
    ...(isImageLookup(props.image) ? { image: canonicalJson(props.image as unknown as Json) } : {}),
    ...(typeof props.userData === "string" ? { userData: digest(props.userData) } : {}),
    ...(props.rootVolumeSize !== undefined ? { rootVolumeSize: props.rootVolumeSize } : {}),
    ...((props.securityGroups ?? []).length === 0 ? { defaultGroups: true } : {}),
  });
}

/**
 * RunInstances is idempotent by ClientToken on AWS (moto ignores it): a retry
 * of this call cannot start a second instance. The token also carries a
 * per-run nonce because AWS keeps a token for at least 24 hours after the
 * instance terminates, and would answer a later create with the same props
 * (after a destroy, or a replace and back) with that terminated instance.
 * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html
 */
function clientToken(ctx: ParticleContext, path: string, props: Ec2Props, imageId: string): string {
  let run = ctx.cache.get("aws.ec2.runNonce") as string | undefined;
  if (!run) ctx.cache.set("aws.ec2.runNonce", (run = randomUUID()));
  const desired = canonicalJson({ ...(props as unknown as Record<string, Json>), image: imageId });
  return `jiti-${digest({ stack: ctx.stack, path, props: digest(desired), run }).slice("sha256:".length)}`;
}

async function defaultGroupId(ctx: ParticleContext, vpc: string): Promise<string> {
  const out = await ec2(ctx).send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc] }, { Name: "group-name", Values: ["default"] }] }),
  );
  const id = out.SecurityGroups?.[0]?.GroupId;
  if (!id) throw new Error(`VPC ${vpc} has no default security group to fall back on; list securityGroups explicitly`);
  return id;
}

/** Associates, swaps or removes the instance profile, and waits until AWS shows the result. */
async function setProfile(ctx: ParticleContext, id: string, name: string | undefined) {
  const current = async () => {
    const out = await ec2(ctx).send(
      new DescribeIamInstanceProfileAssociationsCommand({
        Filters: [
          { Name: "instance-id", Values: [id] },
          { Name: "state", Values: ["associating", "associated"] },
        ],
      }),
    );
    return out.IamInstanceProfileAssociations?.[0];
  };
  const association = await current();
  if (name === undefined) {
    if (association) await ec2(ctx).send(new DisassociateIamInstanceProfileCommand({ AssociationId: association.AssociationId! }));
    await waitFor(ctx, `instance profile of ${id} to be removed`, async () => ((await current()) ? undefined : true));
    return;
  }
  const profile = { Name: name };
  await retryOn(ctx, PROFILE_NOT_READY, `instance profile ${name} to be usable by EC2`, () =>
    association
      ? ec2(ctx).send(new ReplaceIamInstanceProfileAssociationCommand({ AssociationId: association.AssociationId!, IamInstanceProfile: profile }))
      : ec2(ctx).send(new AssociateIamInstanceProfileCommand({ InstanceId: id, IamInstanceProfile: profile })),
    { timeoutMs: 60_000 },
  );
  await waitFor(ctx, `instance profile ${name} to be associated with ${id}`, async () => {
    const now = await current();
    return now?.State === "associated" && now.IamInstanceProfile?.Arn?.endsWith(`/${name}`) ? now : undefined;
  });
}

/** Grows the root volume and/or changes its type, then waits until the new size is usable. */
async function modifyRootVolume(ctx: ParticleContext, volume: RootVolume, props: Ec2Props) {
  const size = props.rootVolumeSize !== undefined && props.rootVolumeSize !== volume.size ? props.rootVolumeSize : undefined;
  const type = props.rootVolumeType !== undefined && props.rootVolumeType !== volume.type ? props.rootVolumeType : undefined;
  if (size === undefined && type === undefined) return;
  await ec2(ctx).send(new ModifyVolumeCommand({ VolumeId: volume.id, ...(size ? { Size: size } : {}), ...(type ? { VolumeType: type } : {}) }));
  // "optimizing" already serves the new size and type; "completed" may take hours.
  await waitFor(ctx, `root volume ${volume.id} to be modified`, async () => {
    const out = await ec2(ctx).send(new DescribeVolumesModificationsCommand({ VolumeIds: [volume.id] }));
    const latest = (out.VolumesModifications ?? []).at(-1);
    if (latest?.ModificationState === "failed") {
      throw Object.assign(new Error(`modifying root volume ${volume.id} failed: ${latest.StatusMessage ?? "no reason given"}`), { code: "VolumeModificationFailed" });
    }
    return latest?.ModificationState === "optimizing" || latest?.ModificationState === "completed" ? latest : undefined;
  });
}

/**
 * A new instance type needs a stopped instance: stop, change, then bring
 * it back to the desired state, also when the change fails (an unknown type,
 * one the AMI's architecture cannot run).
 */
async function changeType(ctx: ParticleContext, id: string, type: string, state: DesiredState) {
  await changeState(ctx, id, "stopped");
  const restore = () => (state === "running" ? changeState(ctx, id, "running") : Promise.resolve());
  try {
    await ec2(ctx).send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: type } }));
  } catch (error) {
    await restore().catch(() => undefined);
    throw error;
  }
  await restore();
}

/** An EC2 instance in a subnet, created from an AMI, optionally with a boot script and a role. */
export const Ec2 = defineParticle<Ec2Props, Ec2Data, "aws.ec2.Instance">({
  type: TYPE,
  name: "Ec2",
  parents: ["Subnet"],
  parentProp: "subnet",
  // An instance with a public address also holds on to its VPC's internet
  // gateway (AWS refuses to detach it while addresses are mapped): instances go first.
  references: ["SecurityGroup", "InstanceProfile", "InternetGateway"],
  nameTag: true,
  stoppable: true,
  props: {
    subnet: "replace",
    type: "update",
    image: "replace",
    securityGroups: "update",
    profile: "update",
    userData: "replace",
    keyName: "replace",
    rootVolumeSize: "update",
    rootVolumeEncrypted: "replace",
    rootVolumeType: "update",
    imdsV2: "update",
    tags: "update",
  },
  hashed: ["userData"],
  defaults: { type: "t3.micro", securityGroups: [], rootVolumeEncrypted: true, rootVolumeType: "gp3", imdsV2: true },

  normalize(props) {
    const out = { ...props };
    // JSX user data becomes the script it renders to; a UserDataError lists every problem in it.
    if (isElement(props.userData)) out.userData = renderUserData(props.userData);
    if (Array.isArray(props.securityGroups)) out.securityGroups = [...props.securityGroups].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
    return out;
  },

  validate(props) {
    const issues = checkFields(props as never, {
      subnet: { check: is.refOrId("Subnet", "subnet-") },
      type: { check: typeIssue },
      image: { check: imageIssue, required: true, example: "{amazonLinux()}" },
      securityGroups: { check: is.arrayOf(is.refOrId("SecurityGroup", "sg-"), { maxItems: 16 }) },
      profile: { check: profileIssue },
      userData: { check: userDataIssue },
      keyName: { check: is.string({ pattern: /^[\x20-\x7e]{1,255}$/, what: "a key pair name of 1 to 255 ASCII characters", example: '"deploy"' }) },
      rootVolumeSize: { check: is.integer({ min: 1, max: 16384, what: "GiB" }) },
      rootVolumeEncrypted: { check: is.boolean() },
      rootVolumeType: { check: is.oneOf(["gp3", "gp2"]) },
      imdsV2: { check: is.boolean() },
      tags: { check: is.tags() },
    });
    if (Array.isArray(props.securityGroups)) {
      const keys = props.securityGroups.map(sortKey);
      const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
      if (twice.length > 0) issues.push({ message: "securityGroups lists a group more than once", found: twice, fix: "List each security group once" });
    }
    const arch = archIssue(props);
    if (arch) issues.push(arch);
    return issues;
  },

  async resolve(ctx, props) {
    // Reads the lookup's AMI id now, in the read phase, so a missing parameter
    // fails before anything changes; create takes it from the run's cache. The
    // props keep the lookup itself: plans compare lookups, never today's AMI id.
    if (isImageLookup(props.image)) await resolveImage(ctx, props.image);
    return props;
  },

  async list(ctx) {
    const instances: AwsInstance[] = [];
    const volumes = new Map<string, AwsVolume>();
    const filters = [...stackFilter(ctx), { Name: "instance-state-name", Values: ALIVE }];
    await Promise.all([
      (async () => {
        for await (const page of paginateDescribeInstances({ client: ec2(ctx), pageSize: 1000 }, { Filters: filters })) {
          for (const r of page.Reservations ?? []) instances.push(...(r.Instances ?? []));
        }
      })(),
      (async () => {
        for await (const page of paginateDescribeVolumes({ client: ec2(ctx), pageSize: 500 }, { Filters: stackFilter(ctx) })) {
          for (const v of page.Volumes ?? []) volumes.set(v.VolumeId!, v);
        }
      })(),
    ]);
    // A root volume that lost its stack tag is read by id (one more call), rather
    // than looking unencrypted to the plan, which would replace the instance.
    const missing = instances.map(rootVolumeId).filter((id): id is string => id !== undefined && !volumes.has(id));
    for (const [id, v] of await volumesById(ctx, missing)) volumes.set(id, v);
    return instances.map((i) => toLive(i, volumes.get(rootVolumeId(i) ?? "")));
  },

  async lookup(ctx, existing) {
    const input =
      "id" in existing
        ? { InstanceIds: [existing.id] }
        : { Filters: [...Object.entries(existing.tags).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] })), { Name: "instance-state-name", Values: ALIVE }] };
    try {
      const out = await ec2(ctx).send(new DescribeInstancesCommand(input));
      const found = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => ALIVE.includes(i.State?.Name ?? ""));
      return found.map((i) => toLive(i, undefined));
    } catch (error) {
      if (hasCode(error, ...NOT_FOUND)) return [];
      throw error;
    }
  },

  observe(live) {
    const { data } = live;
    const attrs = readAttrs(data.tags);
    const lookup = typeof attrs.image === "string" ? parseLookup(attrs.image) : undefined;
    // With no groups asked for, AWS attaches the VPC's default group (the only
    // group that may be named "default"); that is what [] means.
    const defaulted = attrs.defaultGroups === true && data.securityGroups.every((g) => g.name === "default");
    return {
      subnet: data.subnet,
      type: data.type,
      // The lookup the instance was created from, as long as it still runs that lookup's AMI.
      image: lookup && attrs.ami === data.imageId ? lookup : data.imageId,
      securityGroups: defaulted ? [] : data.securityGroups.map((g) => g.id).sort(),
      profile: data.profile ?? undefined,
      userData: typeof attrs.userData === "string" ? attrs.userData : undefined,
      keyName: data.keyName ?? undefined,
      // Reported only when jiti set it: otherwise it is the image's, whatever that is.
      rootVolumeSize: attrs.rootVolumeSize !== undefined ? (data.rootVolume?.size ?? undefined) : undefined,
      rootVolumeEncrypted: data.rootVolume?.encrypted ?? undefined,
      rootVolumeType: data.rootVolume?.type ?? undefined,
      imdsV2: data.httpTokens === "required",
      tags: userTags(data.tags),
    };
  },

  async create(ctx, desired) {
    // Render normalises JSX user data already; a caller that did not still gets it applied.
    const p = isElement(desired.props.userData) ? { ...desired.props, userData: renderUserData(desired.props.userData) } : desired.props;
    const imageId = await resolveImage(ctx, p.image);
    const image = await describeImage(ctx, imageId);
    const userData = typeof p.userData === "string" ? p.userData : undefined;
    const input: RunInstancesCommandInput = {
      ImageId: imageId,
      InstanceType: p.type as RunInstancesCommandInput["InstanceType"],
      MinCount: 1,
      MaxCount: 1,
      SubnetId: idOf(p.subnet, "subnet"),
      ...(groupIds(p).length > 0 ? { SecurityGroupIds: groupIds(p) } : {}),
      ...(p.profile !== undefined ? { IamInstanceProfile: { Name: idOf(p.profile, "profile") } } : {}),
      ...(userData ? { UserData: Buffer.from(userData, "utf8").toString("base64") } : {}),
      ...(p.keyName ? { KeyName: p.keyName } : {}),
      MetadataOptions: { HttpTokens: p.imdsV2 === false ? "optional" : "required", HttpEndpoint: "enabled" },
      BlockDeviceMappings: [
        {
          DeviceName: image.rootDeviceName,
          Ebs: {
            // Without a size AWS takes the image's; moto insists on one, and saying it costs nothing.
            ...((p.rootVolumeSize ?? image.rootVolumeSize) !== undefined ? { VolumeSize: p.rootVolumeSize ?? image.rootVolumeSize } : {}),
            VolumeType: p.rootVolumeType ?? "gp3",
            Encrypted: p.rootVolumeEncrypted ?? true,
            DeleteOnTermination: true,
          },
        },
      ],
      TagSpecifications: [
        { ResourceType: "instance", Tags: tagList({ ...desired.tags, ...attrsOf(p, imageId) }) },
        { ResourceType: "volume", Tags: tagList({ ...desired.tags, ...PART_TAG }) },
      ],
      ClientToken: clientToken(ctx, desired.path, p, imageId),
    };
    const run = () => ec2(ctx).send(new RunInstancesCommand(input));
    // A profile created moments ago is not yet visible to EC2: InvalidParameterValue for ~10 s.
    const out = p.profile !== undefined ? await retryOn(ctx, PROFILE_NOT_READY, `instance profile ${String(p.profile)} to be usable by EC2`, run, { timeoutMs: 60_000 }) : await run();
    const id = out.Instances![0]!.InstanceId!;
    await waitState(ctx, id, "running");
    if (desired.state === "stopped") await changeState(ctx, id, "stopped");
    return read(ctx, id);
  },

  async update(ctx, live, desired, changed) {
    const p = desired.props;
    const resize = changed.includes("rootVolumeSize") || changed.includes("rootVolumeType");
    const volume = live.data.rootVolume && resize ? await withSize(ctx, live.data.rootVolume) : live.data.rootVolume;
    // Refuse what cannot be done before changing anything.
    if (changed.includes("rootVolumeSize") && p.rootVolumeSize !== undefined && volume?.size != null && p.rootVolumeSize < volume.size) {
      throw Object.assign(
        new Error(
          `rootVolumeSize cannot shrink from ${volume.size} to ${p.rootVolumeSize} GiB: EBS volumes only grow. ` +
            `Set rootVolumeSize={${volume.size}} or more, or add "rootVolumeSize" to replaceOnChanges to get a new instance with a new volume`,
        ),
        { code: "VolumeCannotShrink" },
      );
    }
    if (changed.includes("securityGroups")) {
      const groups = groupIds(p);
      const ids = groups.length > 0 ? groups : [await defaultGroupId(ctx, live.data.vpc)];
      await ec2(ctx).send(new ModifyInstanceAttributeCommand({ InstanceId: live.id, Groups: ids }));
    }
    if (changed.includes("profile")) await setProfile(ctx, live.id, p.profile === undefined ? undefined : idOf(p.profile, "profile"));
    if (changed.includes("imdsV2")) {
      await ec2(ctx).send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: live.id, HttpTokens: p.imdsV2 === false ? "optional" : "required", HttpEndpoint: "enabled" }));
      // A stopped instance takes the options when it next starts: nothing to wait for.
      await waitFor(ctx, `metadata options of instance ${live.id} to be applied`, async () => {
        const instance = await describe(ctx, live.id);
        const state = instance?.State?.Name;
        return instance?.MetadataOptions?.State === "applied" || state === "stopped" || state === "stopping" ? instance : undefined;
      });
    }
    if (resize && volume) await modifyRootVolume(ctx, volume, p);
    if (changed.includes("type")) await changeType(ctx, live.id, p.type ?? "t3.micro", desired.state);
    // Last, so that the attributes tag records only what was applied.
    await syncEc2Tags(ec2(ctx), live.id, live.data.tags, { ...desired.tags, ...attrsOf(p, live.data.imageId) });
    if (volume) await syncEc2Tags(ec2(ctx), volume.id, volume.tags, { ...desired.tags, ...PART_TAG });
    return read(ctx, live.id);
  },

  async setState(ctx, live, state) {
    if (state === "terminated") {
      await terminate(ctx, live.id);
      return { ...live, status: "terminated", data: { ...live.data, state: "terminated" } };
    }
    if (live.status !== state) await changeState(ctx, live.id, state);
    else await waitState(ctx, live.id, state);
    return read(ctx, live.id);
  },

  async delete(ctx, live) {
    await terminate(ctx, live.id);
  },

  outputs(live) {
    const { data } = live;
    return { id: live.id, privateIp: data.privateIp, publicIp: data.publicIp, publicDns: data.publicDns, az: data.zone };
  },
});

/** The volume with its size, reading it when list did not have it. */
async function withSize(ctx: ParticleContext, volume: RootVolume): Promise<RootVolume> {
  if (volume.size !== null) return volume;
  const v = (await volumesById(ctx, [volume.id])).get(volume.id);
  return v ? { id: volume.id, size: v.Size ?? null, type: v.VolumeType ?? null, encrypted: v.Encrypted ?? null, tags: tagMap(v.Tags) } : volume;
}

function parseLookup(text: string): ImageLookup | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return isImageLookup(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function sortKey(value: unknown): string {
  return isRefValue(value) ? `ref:${value.$ref}` : typeof value === "string" ? value : canonicalJson(value as Json);
}

function typeIssue(value: unknown, name: string): Issue | undefined {
  const example = 'such as "t3.micro", "m7g.large" or "c5n.18xlarge"';
  if (typeof value === "string" && INSTANCE_TYPE.test(value)) return undefined;
  const guess = typeof value === "string" ? value.trim().toLowerCase().replace(/^([a-z0-9-]+?)[-_ ]([a-z0-9]+)$/, "$1.$2") : undefined;
  return {
    message: `${name} must be an instance type "<family>.<size>", ${example}`,
    found: value,
    fix: guess && INSTANCE_TYPE.test(guess) ? `Did you mean "${guess}"?` : "Pick one from https://aws.amazon.com/ec2/instance-types/",
  };
}

function profileIssue(value: unknown, name: string): Issue | undefined {
  if (isRefValue(value)) return undefined;
  if (typeof value === "string" && /^[\w+=,.@-]{1,128}$/.test(value)) return undefined;
  const arn = typeof value === "string" && value.startsWith("arn:");
  return {
    message: `${name} must be a reference to an <InstanceProfile> or an instance profile name`,
    found: value,
    fix: arn ? `Pass the profile's name, the part after the last "/": "${value.slice(value.lastIndexOf("/") + 1)}"` : "Pass ref(InstanceProfile) bound to an element, or the name of an existing profile",
  };
}

function userDataIssue(value: unknown, name: string): Issue | undefined {
  // JSX that failed to render is already reported, with every problem in it.
  if (isElement(value)) return undefined;
  if (typeof value !== "string") return { message: `${name} must be a script or <CloudInit> JSX`, found: value, fix: "Pass a string, or userData={<CloudInit>…</CloudInit>}" };
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > USER_DATA_LIMIT) {
    return { message: `${name} is over EC2's limit of ${USER_DATA_LIMIT} bytes`, found: `${bytes} bytes`, fix: "Make the script smaller, or have it download large files at boot, e.g. from S3" };
  }
  return undefined;
}

/** An arm64 image on an x86 type (or the reverse) fails at launch; say so at render. */
function archIssue(props: Ec2Props): Issue | undefined {
  if (!isImageLookup(props.image) || typeof props.type !== "string" || !INSTANCE_TYPE.test(props.type)) return undefined;
  const family = props.type.slice(0, props.type.indexOf("."));
  if (family.startsWith("mac")) return undefined;
  const arm = ARM_FAMILY.test(family);
  if (arm === (props.image.arch === "arm64")) return undefined;
  return arm
    ? { message: `type ${props.type} is a Graviton (arm64) type, but image is an x86_64 image`, found: props.image, fix: `Use the arm64 image, e.g. ${props.image.lookup}({ arch: "arm64" }), or an x86_64 type such as "t3.micro"` }
    : { message: `type ${props.type} runs x86_64 images, but image is an arm64 image`, found: props.image, fix: 'Use a Graviton type such as "t4g.micro" or "m7g.large", or the x86_64 image' };
}
