import {
  AssociateIamInstanceProfileCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstanceAttributeCommand,
  paginateDescribeInstances,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  DisassociateIamInstanceProfileCommand,
  ModifyInstanceAttributeCommand,
  ModifyInstanceMetadataOptionsCommand,
  ModifyVolumeCommand,
  ReplaceIamInstanceProfileAssociationCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type Instance as AwsInstance,
  type Volume as AwsVolume,
} from "@aws-sdk/client-ec2";
import type { DesiredState, Json, LiveResource } from "@jiti/reconciler";
import { canonicalJson, digest, type ParticleContext } from "@jiti/reconciler/particle";
import { randomUUID } from "node:crypto";
import { attrsTag } from "../aws/attrs.js";
import { ec2 } from "../aws/clients.js";
import { idOf } from "../aws/lookup.js";
import { hasCode, ignoreCodes } from "../aws/errors.js";
import { tagList, tagMap, ownership } from "../aws/tags.js";
import { batchedRead } from "../aws/batch.js";
import { isProfileNotReady, PROFILE_PROPAGATION_MS, profileChangedThisRun } from "../aws/propagation.js";
import { retryOn, waitFor } from "../aws/wait.js";
import { isImageLookup, type ImageLookup } from "./image.js";
import type { Ec2Data, RenderedEc2Props, RootVolume } from "./Ec2.js";

/**
 * The AWS side of an `<Ec2>` instance: reading it with its root volume,
 * starting, stopping and terminating it, and the in-place changes update
 * makes (security groups, instance profile, metadata options, root volume,
 * instance type).
 */

export const TYPE = "aws.ec2.Instance";
export const NOT_FOUND = ["InvalidInstanceID.NotFound"];
/** States of an instance that exists; moto and AWS keep terminated ones visible for a while. */
export const ALIVE = ["pending", "running", "stopping", "stopped"];
/** Tag marking the root volume as part of its instance, so that no volume particle ever takes it for its own. */
export const PART_TAG = { "jiti:part": "root-volume" };

/** The instance with its root volume, as jiti sees it. */
export function toLive(instance: AwsInstance, volume: AwsVolume | undefined): LiveResource<Ec2Data> {
  const tags = tagMap(instance.Tags);
  const rootId = instance.BlockDeviceMappings?.find((m) => m.DeviceName === instance.RootDeviceName)?.Ebs?.VolumeId;
  const arn = instance.IamInstanceProfile?.Arn;
  return {
    type: TYPE,
    id: instance.InstanceId!,
    ...ownership(tags),
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

/** The root volume as RunInstances was asked to make it: what DescribeVolumes would show, without the call. */
export function requestedVolume(
  instance: AwsInstance,
  ebs: { VolumeSize?: number; VolumeType: string; Encrypted: boolean },
  tags: Record<string, string>,
): AwsVolume | undefined {
  const id = rootVolumeId(instance);
  if (!id) return undefined;
  return {
    VolumeId: id,
    Size: ebs.VolumeSize,
    VolumeType: ebs.VolumeType as AwsVolume["VolumeType"],
    Encrypted: ebs.Encrypted,
    Tags: tagList(tags),
  };
}

export function rootVolumeId(instance: AwsInstance): string | undefined {
  return instance.BlockDeviceMappings?.find((m) => m.DeviceName === instance.RootDeviceName)?.Ebs?.VolumeId;
}

/**
 * The instance as AWS shows it now; undefined when AWS does not show it
 * (just launched: eventual consistency; or gone). Instances read at about
 * the same moment share one DescribeInstances call.
 */
export function describe(ctx: ParticleContext, id: string): Promise<AwsInstance | undefined> {
  return instances(ctx)(id);
}

/**
 * Announces a describe that will follow a write now starting (a launch, a
 * termination), so that the waits of writes ending one after another share
 * one call. Call the returned function with the instance's id once the
 * write has answered, or with nothing when it failed.
 */
export function describeComing(ctx: ParticleContext): (id?: string) => void {
  return instances(ctx).expect();
}

function instances(ctx: ParticleContext) {
  return batchedRead(ctx, "instance", async (ids) => {
    const found = new Map<string, AwsInstance>();
    // A filter rather than InstanceIds: one id AWS does not show yet would fail the call for all.
    const pages = paginateDescribeInstances({ client: ec2(ctx), pageSize: 1000 }, { Filters: [{ Name: "instance-id", Values: ids }] });
    try {
      for await (const page of pages)
        for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) found.set(i.InstanceId!, i);
    } catch (error) {
      // Filters make AWS leave out what it does not show yet; should it answer NotFound all the same, none is shown yet.
      if (hasCode(error, ...NOT_FOUND)) return new Map();
      throw error;
    }
    return found;
  });
}

export async function volumesById(ctx: ParticleContext, ids: string[]): Promise<Map<string, AwsVolume>> {
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

/**
 * The digest of the instance's user data as AWS holds it (null when it has
 * none), which is what `attrsOf` records of the user data jiti gave it;
 * undefined when the instance is gone. One call per instance.
 */
export async function userDataDigest(ctx: ParticleContext, id: string): Promise<string | null | undefined> {
  try {
    const out = await ec2(ctx).send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: "userData" }));
    const encoded = out.UserData?.Value;
    return encoded ? digest(Buffer.from(encoded, "base64").toString("utf8")) : null;
  } catch (error) {
    if (hasCode(error, ...NOT_FOUND)) return undefined;
    throw error;
  }
}

/** The instance and its root volume, read again after a change: two calls. */
export async function read(ctx: ParticleContext, id: string): Promise<LiveResource<Ec2Data>> {
  const instance = await describe(ctx, id);
  if (!instance) throw new Error(`instance ${id} disappeared while jiti was changing it`);
  const rootId = rootVolumeId(instance);
  return toLive(instance, rootId ? (await volumesById(ctx, [rootId])).get(rootId) : undefined);
}

/**
 * Waits until the instance is `target`. An instance that terminates on the
 * way (capacity, a KMS key it may not use…) fails with AWS's reason.
 */
export function waitState(ctx: ParticleContext, id: string, target: "running" | "stopped" | "terminated") {
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
export async function changeState(ctx: ParticleContext, id: string, target: "running" | "stopped") {
  const command = target === "running" ? new StartInstancesCommand({ InstanceIds: [id] }) : new StopInstancesCommand({ InstanceIds: [id] });
  // Stopping can take minutes, and a start is refused until the stop is done.
  await retryOn(
    ctx,
    ["IncorrectInstanceState"],
    `instance ${id} to accept being ${target === "running" ? "started" : "stopped"}`,
    () => ec2(ctx).send(command),
    {
      timeoutMs: 300_000,
    },
  );
  await waitState(ctx, id, target);
}

export async function terminate(ctx: ParticleContext, id: string) {
  const answered = describeComing(ctx);
  try {
    await ignoreCodes(NOT_FOUND, () => ec2(ctx).send(new TerminateInstancesCommand({ InstanceIds: [id] })));
  } catch (error) {
    answered();
    throw error;
  }
  answered(id);
  await waitState(ctx, id, "terminated");
}

export function groupIds(props: RenderedEc2Props): string[] {
  return props.securityGroups.map((g) => idOf(g, "securityGroups"));
}

/**
 * What jiti applied that DescribeInstances cannot show (see attrs.ts): the
 * lookup the AMI came from, the user data's digest, whether the root size and
 * the security groups were left to AWS.
 */
export function attrsOf(props: RenderedEc2Props, imageId: string): Record<string, string> {
  return attrsTag({
    ami: imageId,
    ...(isImageLookup(props.image) ? { image: canonicalJson(props.image as unknown as Json) } : {}),
    ...(typeof props.userData === "string" ? { userData: digest(props.userData) } : {}),
    ...(props.rootVolumeSize !== undefined ? { rootVolumeSize: props.rootVolumeSize } : {}),
    ...(props.securityGroups.length === 0 ? { defaultGroups: true } : {}),
  });
}

/**
 * Runs a call that names an instance profile; while EC2 refuses a profile
 * this run has just made or changed (IAM's propagation), tries again, for up
 * to the propagation window. A refusal of any other profile, or of another
 * kind, fails at once: it is a real mistake.
 */
export function whileProfilePropagates<T>(ctx: ParticleContext, profile: string | undefined, call: () => Promise<T>): Promise<T> {
  if (profile === undefined || !profileChangedThisRun(ctx, profile)) return call();
  return retryOn(ctx, isProfileNotReady, `instance profile ${profile} to be usable by EC2`, call, { timeoutMs: PROFILE_PROPAGATION_MS });
}

export async function defaultGroupId(ctx: ParticleContext, vpc: string): Promise<string> {
  const out = await ec2(ctx).send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: "vpc-id", Values: [vpc] },
        { Name: "group-name", Values: ["default"] },
      ],
    }),
  );
  const id = out.SecurityGroups?.[0]?.GroupId;
  if (!id) throw new Error(`VPC ${vpc} has no default security group to fall back on; list securityGroups explicitly`);
  return id;
}

/** Associates, swaps or removes the instance profile, and waits until AWS shows the result. */
export async function setProfile(ctx: ParticleContext, id: string, name: string | undefined) {
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
  await whileProfilePropagates(ctx, name, () =>
    association
      ? ec2(ctx).send(
          new ReplaceIamInstanceProfileAssociationCommand({ AssociationId: association.AssociationId!, IamInstanceProfile: profile }),
        )
      : ec2(ctx).send(new AssociateIamInstanceProfileCommand({ InstanceId: id, IamInstanceProfile: profile })),
  );
  await waitFor(ctx, `instance profile ${name} to be associated with ${id}`, async () => {
    const now = await current();
    return now?.State === "associated" && now.IamInstanceProfile?.Arn?.endsWith(`/${name}`) ? now : undefined;
  });
}

/** Grows the root volume and/or changes its type, then waits until the new size is usable. */
export async function modifyRootVolume(ctx: ParticleContext, volume: RootVolume, props: RenderedEc2Props) {
  const size = props.rootVolumeSize !== undefined && props.rootVolumeSize !== volume.size ? props.rootVolumeSize : undefined;
  const type = props.rootVolumeType !== volume.type ? props.rootVolumeType : undefined;
  if (size === undefined && type === undefined) return;
  await ec2(ctx).send(
    new ModifyVolumeCommand({ VolumeId: volume.id, ...(size ? { Size: size } : {}), ...(type ? { VolumeType: type } : {}) }),
  );
  // "optimizing" already serves the new size and type; "completed" may take hours.
  await waitFor(ctx, `root volume ${volume.id} to be modified`, async () => {
    const out = await ec2(ctx).send(new DescribeVolumesModificationsCommand({ VolumeIds: [volume.id] }));
    const latest = (out.VolumesModifications ?? []).at(-1);
    if (latest?.ModificationState === "failed") {
      throw Object.assign(new Error(`modifying root volume ${volume.id} failed: ${latest.StatusMessage ?? "no reason given"}`), {
        code: "VolumeModificationFailed",
      });
    }
    return latest?.ModificationState === "optimizing" || latest?.ModificationState === "completed" ? latest : undefined;
  });
}

/**
 * A new instance type needs a stopped instance: stop, change, then bring
 * it back to the desired state, also when the change fails (an unknown type,
 * one the AMI's architecture cannot run).
 */
export async function changeType(ctx: ParticleContext, id: string, type: string, state: DesiredState) {
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

/** Requires IMDSv2 tokens or allows IMDSv1 too, and waits until the instance applies it. */
export async function setMetadataOptions(ctx: ParticleContext, id: string, imdsV2: boolean) {
  await ec2(ctx).send(
    new ModifyInstanceMetadataOptionsCommand({
      InstanceId: id,
      HttpTokens: imdsV2 ? "required" : "optional",
      HttpEndpoint: "enabled",
    }),
  );
  // A stopped instance takes the options when it next starts: nothing to wait for.
  await waitFor(ctx, `metadata options of instance ${id} to be applied`, async () => {
    const instance = await describe(ctx, id);
    const state = instance?.State?.Name;
    return instance?.MetadataOptions?.State === "applied" || state === "stopped" || state === "stopping" ? instance : undefined;
  });
}

/** The volume with its size, reading it when list did not have it. */
export async function withSize(ctx: ParticleContext, volume: RootVolume): Promise<RootVolume> {
  if (volume.size !== null) return volume;
  const v = (await volumesById(ctx, [volume.id])).get(volume.id);
  return v
    ? { id: volume.id, size: v.Size ?? null, type: v.VolumeType ?? null, encrypted: v.Encrypted ?? null, tags: tagMap(v.Tags) }
    : volume;
}

export function parseLookup(text: string): ImageLookup | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return isImageLookup(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
