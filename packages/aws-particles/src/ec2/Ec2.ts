import {
  DescribeInstancesCommand,
  ModifyInstanceAttributeCommand,
  paginateDescribeInstances,
  paginateDescribeVolumes,
  RunInstancesCommand,
  type Instance as AwsInstance,
  type RunInstancesCommandInput,
  type Volume as AwsVolume,
} from "@aws-sdk/client-ec2";
import { isElement, type JitiElement, type Ref } from "@jiti/jsx-runtime";
import { checkFields, defineParticle, is, type Grant, type WithDefaults } from "@jiti/reconciler/particle";
import { readAttrs } from "../aws/attrs.js";
import { ec2, ec2Once } from "../aws/clients.js";
import { CREATE_TOKEN_TAG, createOnce } from "../aws/create.js";
import { idOf } from "../aws/lookup.js";
import { hasCode } from "../aws/errors.js";
import { ownedBy, stackFilter, syncEc2Tags, tagList, userTags, retagEc2 } from "../aws/tags.js";
import { retryOn } from "../aws/wait.js";
import { instanceGroupsInVpc } from "../rules/instance-groups-in-vpc.js";
import { imdsv1Allowed, privateInstancePublicSubnet, unencryptedRootVolume } from "../rules/instance-hardening.js";
import { renderUserData } from "../userdata/index.js";
import { describeImage, imageIssue, isImageLookup, resolveImage, type ImageInfo, type ImageLookup } from "./image.js";
import {
  ALIVE,
  attrsOf,
  changeState,
  changeType,
  defaultGroupId,
  describeComing,
  groupIds,
  modifyRootVolume,
  NOT_FOUND,
  parseLookup,
  PART_TAG,
  read,
  requestedVolume,
  rootVolumeId,
  setMetadataOptions,
  setProfile,
  terminate,
  toLive,
  TYPE,
  userDataDigest,
  volumesById,
  waitState,
  whileProfilePropagates,
  withSize,
} from "./_ec2.js";
import type { InstanceType } from "./instance-types.js";
import { archIssue, profileIssue, sortKey, typeIssue, userDataIssue } from "./_ec2-checks.js";
import { creating, describes, intoOwned, onAny, onOwned, onStackRoles } from "../aws/grants.js";

/** Props of `<Ec2>`, an instance written inside a `<Subnet>`. */
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
  type?: InstanceType;
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
   * script (at most 16 KB). AWS shows it only instance by instance, so plans
   * compare the sha256 digest of what jiti gave the instance, and a change
   * made outside jiti shows only with `--refresh-attrs`. Changing it
   * **replaces** the instance, because the script runs only on first boot.
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

/** The props render fills in when not given. */
type Defaulted = "type" | "securityGroups" | "rootVolumeEncrypted" | "rootVolumeType" | "imdsV2";
/** An instance's props as render hands them over. */
export type RenderedEc2Props = WithDefaults<Ec2Props, Defaulted>;

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
  /**
   * The digest of the user data AWS holds (null: none), read by `refresh`
   * (`--refresh-attrs`); absent otherwise, and then the `jiti:attrs` tag says
   * what jiti gave the instance.
   */
  userData?: string | null;
}

/** An instance's root EBS volume as DescribeVolumes reports it. */
export interface RootVolume {
  id: string;
  /** In GiB; null when DescribeVolumes did not return the volume. */
  size: number | null;
  type: string | null;
  encrypted: boolean | null;
  tags: Record<string, string>;
}

const GROUPS_WHY =
  "An instance may use its VPC's default group (when it names none) or groups it names by id, which carry no tag of the stack's: attaching a group changes only the instance.";

/** What RunInstances is authorized against besides the instance, its volume and its subnet. */
const LAUNCHED_WITH: Grant[] = [
  onAny("security-group", GROUPS_WHY, "ec2:RunInstances"),
  onAny("network-interface", "RunInstances makes the instance's network interface, which the request does not tag.", "ec2:RunInstances"),
  onAny("key-pair", "Key pairs are named by the user, not tagged by jiti.", "ec2:RunInstances"),
  {
    actions: ["ec2:RunInstances"],
    resources: ["arn:aws:ec2:${region}::image/*"],
    why: "Images are AWS's or another account's (their ARNs have no account), never the stack's.",
  },
];

/** The image lookups read AWS's public SSM parameters, whose ARNs have no account. */
const PUBLIC_IMAGE_PARAMETERS: Grant = {
  actions: ["ssm:GetParameter"],
  resources: ["arn:aws:ssm:${region}::parameter/aws/service/*"],
};

/** The root volume's part of RunInstances: as asked for, or the image's size when none is. */
function rootEbs(p: RenderedEc2Props, image: ImageInfo) {
  const size = p.rootVolumeSize ?? image.rootVolumeSize;
  return {
    // Without a size AWS takes the image's; moto insists on one, and saying it costs nothing.
    ...(size !== undefined ? { VolumeSize: size } : {}),
    VolumeType: p.rootVolumeType,
    Encrypted: p.rootVolumeEncrypted,
    DeleteOnTermination: true,
  };
}

/**
 * An EC2 instance in a subnet, created from an AMI, optionally with a boot script and a role.
 *
 * The component is named for the service users know (`<Ec2>`); the type is
 * AWS's name for the resource (`AWS::EC2::Instance`), as every type of jiti
 * is, and is what plans and snapshots show: the two differ on purpose.
 */
export const Ec2 = defineParticle<Ec2Props, Ec2Data, "aws.ec2.Instance", Defaulted>({
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
  rules: [instanceGroupsInVpc, imdsv1Allowed, unencryptedRootVolume, privateInstancePublicSubnet],
  defaults: { type: "t3.micro", securityGroups: [], rootVolumeEncrypted: true, rootVolumeType: "gp3", imdsV2: true },
  permissions: {
    list: [describes("ec2:DescribeInstances", "ec2:DescribeVolumes")],
    lookup: [describes("ec2:DescribeInstances")],
    // The image's AMI id and root device, before the plan.
    resolve: [PUBLIC_IMAGE_PARAMETERS, describes("ec2:DescribeImages")],
    refresh: [describes("ec2:DescribeInstanceAttribute")],
    create: [
      ...creating(["instance", "volume"], "ec2:RunInstances"),
      intoOwned("subnet", "ec2:RunInstances"),
      ...LAUNCHED_WITH,
      // A profile's role passed to the instance.
      onStackRoles("iam:PassRole"),
      // Finding the instance a launch whose reply was lost started.
      describes("ec2:DescribeInstances"),
    ],
    // Waiting until it runs; a state="stopped" instance stopped once it ran.
    configure: [onOwned("instance", "ec2:StopInstances"), describes("ec2:DescribeInstances")],
    update: [
      onOwned(
        "instance",
        "ec2:ModifyInstanceAttribute",
        "ec2:ModifyInstanceMetadataOptions",
        "ec2:AssociateIamInstanceProfile",
        "ec2:ReplaceIamInstanceProfileAssociation",
        "ec2:DisassociateIamInstanceProfile",
        "ec2:StopInstances",
        "ec2:StartInstances",
        "ec2:CreateTags",
        "ec2:DeleteTags",
      ),
      onOwned("volume", "ec2:ModifyVolume", "ec2:CreateTags", "ec2:DeleteTags"),
      onAny("security-group", GROUPS_WHY, "ec2:ModifyInstanceAttribute"),
      onStackRoles("iam:PassRole"),
      describes(
        "ec2:DescribeInstances",
        "ec2:DescribeVolumes",
        "ec2:DescribeVolumesModifications",
        "ec2:DescribeIamInstanceProfileAssociations",
        "ec2:DescribeSecurityGroups",
      ),
    ],
    setState: [
      onOwned("instance", "ec2:StopInstances", "ec2:StartInstances", "ec2:TerminateInstances"),
      describes("ec2:DescribeInstances"),
    ],
    retag: [onOwned("instance", "ec2:CreateTags", "ec2:DeleteTags")],
    delete: [onOwned("instance", "ec2:TerminateInstances"), describes("ec2:DescribeInstances")],
  },

  normalize(props) {
    const out = { ...props };
    // JSX user data becomes the script it renders to; a UserDataError lists every problem in it.
    if (isElement(props.userData)) out.userData = renderUserData(props.userData);
    if (Array.isArray(props.securityGroups))
      out.securityGroups = [...props.securityGroups].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
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
      keyName: {
        check: is.string({ pattern: /^[\x20-\x7e]{1,255}$/, what: "a key pair name of 1 to 255 ASCII characters", example: '"deploy"' }),
      },
      rootVolumeSize: { check: is.integer({ min: 1, max: 16384, what: "GiB" }) },
      rootVolumeEncrypted: { check: is.boolean() },
      rootVolumeType: { check: is.oneOf(["gp3", "gp2"]) },
      imdsV2: { check: is.boolean() },
      tags: { check: is.tags() },
    });
    if (Array.isArray(props.securityGroups)) {
      const keys = props.securityGroups.map(sortKey);
      const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
      if (twice.length > 0)
        issues.push({ message: "securityGroups lists a group more than once", found: twice, fix: "List each security group once" });
    }
    const arch = archIssue(props);
    if (arch) issues.push(arch);
    return issues;
  },

  async resolve(ctx, props) {
    // Reads the lookup's AMI id and the image's root device now, in the read
    // phase, so a missing image fails before anything changes and create makes
    // one call; create takes both from the run's cache. The props keep the
    // lookup itself: plans compare lookups, never today's AMI id.
    await describeImage(ctx, await resolveImage(ctx, props.image));
    return props;
  },

  retag: retagEc2,

  async list(ctx, options) {
    const instances: AwsInstance[] = [];
    const volumes = new Map<string, AwsVolume>();
    const filters = [...stackFilter(ctx, options), { Name: "instance-state-name", Values: ALIVE }];
    await Promise.all([
      (async () => {
        for await (const page of paginateDescribeInstances({ client: ec2(ctx), pageSize: 1000 }, { Filters: filters })) {
          for (const r of page.Reservations ?? []) instances.push(...(r.Instances ?? []));
        }
      })(),
      (async () => {
        for await (const page of paginateDescribeVolumes({ client: ec2(ctx), pageSize: 500 }, { Filters: stackFilter(ctx, options) })) {
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
        : {
            Filters: [
              ...Object.entries(existing.tags).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] })),
              { Name: "instance-state-name", Values: ALIVE },
            ],
          };
    try {
      const out = await ec2(ctx).send(new DescribeInstancesCommand(input));
      const found = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => ALIVE.includes(i.State?.Name ?? ""));
      return found.map((i) => toLive(i, undefined));
    } catch (error) {
      if (hasCode(error, ...NOT_FOUND)) return [];
      throw error;
    }
  },

  async refresh(ctx, live) {
    const userData = await userDataDigest(ctx, live.id);
    return userData === undefined ? live : { ...live, data: { ...live.data, userData } };
  },

  observe(live) {
    const { data } = live;
    const attrs = readAttrs(data.tags);
    const lookup = typeof attrs.image === "string" ? parseLookup(attrs.image) : undefined;
    // With no groups asked for, AWS attaches the VPC's default group (the only
    // group that may be named "default"); that is what [] means.
    const defaulted = attrs.defaultGroups === true && data.securityGroups.every((g) => g.name === "default");
    // DescribeInstances does not return the user data: its digest as the run read it (refresh), else as jiti recorded it.
    const userData = data.userData !== undefined ? data.userData : attrs.userData;
    return {
      subnet: data.subnet,
      type: data.type,
      // The lookup the instance was created from, as long as it still runs that lookup's AMI.
      image: lookup && attrs.ami === data.imageId ? lookup : data.imageId,
      securityGroups: defaulted ? [] : data.securityGroups.map((g) => g.id).sort(),
      profile: data.profile ?? undefined,
      userData: typeof userData === "string" ? userData : undefined,
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
    // Both read in the read phase already (resolve): the run's cache answers.
    const imageId = await resolveImage(ctx, p.image);
    const image = await describeImage(ctx, imageId);
    const userData = typeof p.userData === "string" ? p.userData : undefined;
    const profile = p.profile !== undefined ? idOf(p.profile, "profile") : undefined;
    const rootVolume = rootEbs(p, image);
    const input = (token: Record<string, string>): RunInstancesCommandInput => ({
      ImageId: imageId,
      InstanceType: p.type as RunInstancesCommandInput["InstanceType"],
      MinCount: 1,
      MaxCount: 1,
      SubnetId: idOf(p.subnet, "subnet"),
      ...(groupIds(p).length > 0 ? { SecurityGroupIds: groupIds(p) } : {}),
      ...(profile !== undefined ? { IamInstanceProfile: { Name: profile } } : {}),
      ...(userData ? { UserData: Buffer.from(userData, "utf8").toString("base64") } : {}),
      ...(p.keyName ? { KeyName: p.keyName } : {}),
      MetadataOptions: { HttpTokens: p.imdsV2 ? "required" : "optional", HttpEndpoint: "enabled" },
      BlockDeviceMappings: [{ DeviceName: image.rootDeviceName, Ebs: rootVolume }],
      TagSpecifications: [
        { ResourceType: "instance", Tags: tagList({ ...desired.tags, ...attrsOf(p, imageId), ...token }) },
        { ResourceType: "volume", Tags: tagList({ ...desired.tags, ...PART_TAG }) },
      ],
      // Idempotent on AWS: a second attempt is answered with the first one's instance,
      // for 24 hours after, so the token is new for every create (moto ignores it).
      // https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html
      ClientToken: token[CREATE_TOKEN_TAG],
    });
    const launch = async () => {
      // Its configure step waits for it to run, in one call with the others launched about now;
      // announced per attempt, so that a pause between attempts holds no one else's reads.
      const answered = describeComing(ctx);
      try {
        const launched = await createOnce(ctx, {
          what: `instance ${desired.path}`,
          send: async (token) => (await ec2Once(ctx).send(new RunInstancesCommand(input(token)))).Instances![0]!,
          find: async (token) => {
            const filters = [...ownedBy(ctx, desired.path, token), { Name: "instance-state-name", Values: ALIVE }];
            const out = await ec2(ctx).send(new DescribeInstancesCommand({ Filters: filters }));
            return out.Reservations?.[0]?.Instances?.[0];
          },
        });
        answered(launched.InstanceId);
        return launched;
      } catch (error) {
        answered();
        throw error;
      }
    };
    // A profile this run has just made is refused by EC2 for a while (IAM's propagation).
    const instance = await whileProfilePropagates(ctx, profile, launch);
    return toLive(instance, requestedVolume(instance, rootVolume, { ...desired.tags, ...PART_TAG }));
  },

  async configure(ctx, live, desired) {
    // Running (on AWS after some seconds): what users wait for, and when its addresses are known.
    const running = await waitState(ctx, live.id, "running");
    if (desired.state === "stopped") await changeState(ctx, live.id, "stopped");
    const image = await describeImage(ctx, running.ImageId ?? live.data.imageId);
    const volume = requestedVolume(running, rootEbs(desired.props, image), { ...desired.tags, ...PART_TAG });
    const configured = toLive(running, volume);
    return desired.state === "stopped" ? { ...configured, status: "stopped", data: { ...configured.data, state: "stopped" } } : configured;
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
    if (changed.includes("imdsV2")) await setMetadataOptions(ctx, live.id, p.imdsV2);
    if (resize && volume) await modifyRootVolume(ctx, volume, p);
    if (changed.includes("type")) await changeType(ctx, live.id, p.type, desired.state);
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
