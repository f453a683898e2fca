import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import type { Issue } from "@jiti/reconciler";
import type { ParticleContext } from "@jiti/reconciler/particle";
import { ec2 } from "../aws/clients.js";
import { errorCode, hasCode } from "../aws/errors.js";
import { ssm } from "../aws/ssm.js";

/**
 * Image lookups: `image={amazonLinux()}` instead of an AMI id. A lookup names
 * a public SSM parameter that AWS or Canonical point at the latest AMI of a
 * distribution; jiti reads it when it creates an instance.
 *
 * A lookup is plain data, so it renders into the tree and plans as itself
 * (`{ "lookup": "ubuntu", "version": "24.04", "arch": "arm64" }`), never as
 * the AMI id it resolves to today: a new AMI release changes no plan, and
 * only a different lookup (or an explicit id) replaces an instance.
 */

/** The CPU architecture of an image lookup: `arm64` needs a Graviton instance type (`t4g.micro`). */
export type ImageArch = "x86_64" | "arm64";

/** The latest Amazon Linux 2023 AMI (default kernel). */
export interface AmazonLinuxLookup {
  lookup: "amazonLinux";
  version: "2023";
  arch: ImageArch;
}

/** The latest Ubuntu Server LTS AMI published by Canonical. */
export interface UbuntuLookup {
  lookup: "ubuntu";
  version: "24.04" | "22.04";
  arch: ImageArch;
}

/** What `amazonLinux()` and `ubuntu()` make, for `<Ec2 image>`: plain data, resolved to an AMI id only when an instance is created. */
export type ImageLookup = AmazonLinuxLookup | UbuntuLookup;

const ARCHES: readonly ImageArch[] = ["x86_64", "arm64"];
const UBUNTU_VERSIONS: readonly UbuntuLookup["version"][] = ["24.04", "22.04"];

/**
 * The latest Amazon Linux 2023 AMI for `arch`, from the public parameter
 * `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-<arch>`.
 * `arm64` needs a Graviton instance type (`t4g.micro`, `m7g.large`).
 */
export function amazonLinux(options: { arch?: ImageArch } = {}): AmazonLinuxLookup {
  return { lookup: "amazonLinux", version: "2023", arch: options.arch ?? "x86_64" };
}

/**
 * The latest Ubuntu Server LTS AMI (`version` 24.04 by default) for `arch`,
 * from Canonical's public parameters under `/aws/service/canonical/ubuntu/server/`.
 * `arm64` needs a Graviton instance type (`t4g.micro`, `m7g.large`).
 */
export function ubuntu(options: { version?: UbuntuLookup["version"]; arch?: ImageArch } = {}): UbuntuLookup {
  return { lookup: "ubuntu", version: options.version ?? "24.04", arch: options.arch ?? "x86_64" };
}

/** The public SSM parameter holding the lookup's current AMI id. */
export function imageParameter(lookup: ImageLookup): string {
  if (lookup.lookup === "amazonLinux") return `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${lookup.arch}`;
  // Canonical publishes gp3-backed images from 23.10 on; 22.04's are gp2 (the root volume type is jiti's to set anyway).
  const storage = lookup.version === "22.04" ? "ebs-gp2" : "ebs-gp3";
  const arch = lookup.arch === "arm64" ? "arm64" : "amd64";
  return `/aws/service/canonical/ubuntu/server/${lookup.version}/stable/current/${arch}/hvm/${storage}/ami-id`;
}

export function isImageLookup(value: unknown): value is ImageLookup {
  return lookupIssue(value) === undefined;
}

const AMI_ID = /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/;

/** Validation of an `image` prop: an AMI id or a lookup made by `amazonLinux()` / `ubuntu()`. */
export function imageIssue(value: unknown, name: string): Issue | undefined {
  if (typeof value === "string") {
    if (AMI_ID.test(value)) return undefined;
    return {
      message: `${name} must be an AMI id ("ami-" and 8 or 17 hex digits) or an image lookup`,
      found: value,
      fix: 'Use an id such as "ami-0abcdef1234567890", or a lookup such as image={amazonLinux()} or image={ubuntu({ version: "24.04" })}',
    };
  }
  const issue = lookupIssue(value);
  return issue
    ? {
        message: `${name} ${issue}`,
        found: value,
        fix: 'Use amazonLinux({ arch: "arm64" }) or ubuntu({ version: "22.04" }) rather than writing the object by hand, or pass an AMI id',
      }
    : undefined;
}

function lookupIssue(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "must be an AMI id or an image lookup";
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v).sort().join(",");
  if (keys !== "arch,lookup,version") return "is not an image lookup (expected the keys arch, lookup and version)";
  if (!ARCHES.includes(v.arch as ImageArch)) return `arch must be "x86_64" or "arm64"`;
  if (v.lookup === "amazonLinux") return v.version === "2023" ? undefined : 'version of amazonLinux() must be "2023"';
  if (v.lookup === "ubuntu")
    return UBUNTU_VERSIONS.includes(v.version as UbuntuLookup["version"])
      ? undefined
      : `version of ubuntu() must be ${UBUNTU_VERSIONS.map((x) => `"${x}"`).join(" or ")}`;
  return 'lookup must be "amazonLinux" or "ubuntu"';
}

/** An image lookup that could not be resolved; `code` is AWS's (ParameterNotFound, AccessDeniedException…). */
export class ImageLookupError extends Error {
  override readonly name = "ImageLookupError";
  constructor(
    message: string,
    readonly code: string | undefined,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** Memoises a promise in the run's cache; a failure is not kept, so the next caller asks again. */
function once<T>(ctx: ParticleContext, key: string, read: () => Promise<T>): Promise<T> {
  let value = ctx.cache.get(key) as Promise<T> | undefined;
  if (!value) {
    value = read();
    value.catch(() => ctx.cache.delete(key));
    ctx.cache.set(key, value);
  }
  return value;
}

/**
 * The AMI id an `image` prop stands for: an id as it is, a lookup through
 * its SSM parameter, read once per run (every instance of a run created
 * from one lookup gets the same AMI).
 */
export function resolveImage(ctx: ParticleContext, image: string | ImageLookup): Promise<string> {
  if (typeof image === "string") return Promise.resolve(image);
  const name = imageParameter(image);
  return once(ctx, `aws.ssm.parameter:${name}`, async () => {
    try {
      const out = await ssm(ctx).send(new GetParameterCommand({ Name: name }));
      const value = out.Parameter?.Value;
      if (!value || !AMI_ID.test(value)) {
        throw new ImageLookupError(
          `image lookup ${describeLookup(image)}: SSM parameter ${name} holds no AMI id (found: ${JSON.stringify(value)})`,
          undefined,
        );
      }
      return value;
    } catch (error) {
      if (error instanceof ImageLookupError) throw error;
      const region = ctx.aws.region ?? "the default region";
      const why = hasCode(error, "ParameterNotFound")
        ? `the public SSM parameter ${name} does not exist in ${region}. Check that the distribution publishes this version and architecture there, or pass an AMI id`
        : `reading the public SSM parameter ${name} in ${region} failed: ${error instanceof Error ? error.message : String(error)}. The credentials need ssm:GetParameter on it`;
      throw new ImageLookupError(`image lookup ${describeLookup(image)}: ${why}`, errorCode(error), { cause: error });
    }
  });
}

/** What create needs to know of an AMI, read once per AMI per run. */
export interface ImageInfo {
  id: string;
  /** `/dev/xvda`, `/dev/sda1`: where the root volume's block device mapping goes. */
  rootDeviceName: string;
  /** GiB of the root snapshot: the root volume's size when none is asked for. */
  rootVolumeSize: number | undefined;
}

export function describeImage(ctx: ParticleContext, id: string): Promise<ImageInfo> {
  return once(ctx, `aws.ec2.image:${id}`, async () => {
    const missing = (cause?: unknown) =>
      new ImageLookupError(
        `image ${id} was not found in ${ctx.aws.region ?? "the default region"}: AMI ids differ between regions. Pass an AMI id of this region, or a lookup such as amazonLinux()`,
        "InvalidAMIID.NotFound",
        cause === undefined ? undefined : { cause },
      );
    let image;
    try {
      image = (await ec2(ctx).send(new DescribeImagesCommand({ ImageIds: [id] }))).Images?.[0];
    } catch (error) {
      if (hasCode(error, "InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidAMIID.Unavailable")) throw missing(error);
      throw error;
    }
    if (!image?.RootDeviceName) throw missing();
    const root = image.BlockDeviceMappings?.find((m) => m.DeviceName === image.RootDeviceName);
    return { id, rootDeviceName: image.RootDeviceName, rootVolumeSize: root?.Ebs?.VolumeSize };
  });
}

function describeLookup(lookup: ImageLookup): string {
  return lookup.lookup === "amazonLinux"
    ? `amazonLinux({ arch: "${lookup.arch}" })`
    : `ubuntu({ version: "${lookup.version}", arch: "${lookup.arch}" })`;
}
