import { isElement } from "@jiti/jsx-runtime";
import type { Issue, Json } from "@jiti/reconciler";
import { canonicalJson, is, isRefValue, nearestName } from "@jiti/reconciler/particle";
import { KNOWN_INSTANCE_TYPES } from "./instance-types.js";
import { USER_DATA_LIMIT } from "../userdata/index.js";
import { isImageLookup } from "./image.js";
import type { RenderedEc2Props } from "./Ec2.js";

// Checks of <Ec2> props that the shared `is` checks do not cover. Each returns
// one issue, saying what was found and how to fix it.

const INSTANCE_TYPE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*\.(nano|micro|small|medium|large|xlarge|\d+xlarge|metal(-\d+xl)?)$/;
/** Graviton families run arm64 images: t4g, m7g, c6gn, x2gd, im4gn, is4gen, a1. */
const ARM_FAMILY = /^([a-z]+\d+g[a-z]*|a1)$/;

export function sortKey(value: unknown): string {
  return isRefValue(value) ? `ref:${value.$ref}` : typeof value === "string" ? value : canonicalJson(value as Json);
}

export function typeIssue(value: unknown, name: string): Issue | undefined {
  const example = 'such as "t3.micro", "m7g.large" or "c5n.18xlarge"';
  if (typeof value === "string" && INSTANCE_TYPE.test(value)) return undefined;
  const guess =
    typeof value === "string"
      ? value
          .trim()
          .toLowerCase()
          .replace(/^([a-z0-9-]+?)[-_ ]([a-z0-9]+)$/, "$1.$2")
      : undefined;
  return {
    message: `${name} must be an instance type "<family>.<size>", ${example}`,
    found: value,
    fix:
      guess && INSTANCE_TYPE.test(guess)
        ? `Did you mean "${guess}"?`
        : (nearest(guess) ?? "Pick one from https://aws.amazon.com/ec2/instance-types/"),
  };
}

/** `Did you mean "t3.micro"?` for a type within two letters of one the SDK names. */
function nearest(guess: string | undefined): string | undefined {
  const near = guess === undefined ? undefined : nearestName(guess, KNOWN_INSTANCE_TYPES);
  return near ? `Did you mean "${near}"?` : undefined;
}

export function profileIssue(value: unknown, name: string): Issue | undefined {
  if (isRefValue(value)) return is.ref("InstanceProfile")(value, name);
  if (typeof value === "string" && /^[\w+=,.@-]{1,128}$/.test(value)) return undefined;
  const arn = typeof value === "string" && value.startsWith("arn:");
  return {
    message: `${name} must be a reference to an <InstanceProfile> or an instance profile name`,
    found: value,
    fix: arn
      ? `Pass the profile's name, the part after the last "/": "${value.slice(value.lastIndexOf("/") + 1)}"`
      : "Pass ref(InstanceProfile) bound to an element, or the name of an existing profile",
  };
}

export function userDataIssue(value: unknown, name: string): Issue | undefined {
  // JSX that failed to render is already reported, with every problem in it.
  if (isElement(value)) return undefined;
  if (typeof value !== "string")
    return {
      message: `${name} must be a script or <CloudInit> JSX`,
      found: value,
      fix: "Pass a string, or userData={<CloudInit>…</CloudInit>}",
    };
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > USER_DATA_LIMIT) {
    return {
      message: `${name} is over EC2's limit of ${USER_DATA_LIMIT} bytes`,
      found: `${bytes} bytes`,
      fix: "Make the script smaller, or have it download large files at boot, e.g. from S3",
    };
  }
  return undefined;
}

/** An arm64 image on an x86 type (or the reverse) fails at launch; say so at render. */
export function archIssue(props: RenderedEc2Props): Issue | undefined {
  if (!isImageLookup(props.image) || typeof props.type !== "string" || !INSTANCE_TYPE.test(props.type)) return undefined;
  const family = props.type.slice(0, props.type.indexOf("."));
  if (family.startsWith("mac")) return undefined;
  const arm = ARM_FAMILY.test(family);
  if (arm === (props.image.arch === "arm64")) return undefined;
  return arm
    ? {
        message: `type ${props.type} is a Graviton (arm64) type, but image is an x86_64 image`,
        found: props.image,
        fix: `Use the arm64 image, e.g. ${props.image.lookup}({ arch: "arm64" }), or an x86_64 type such as "t3.micro"`,
      }
    : {
        message: `type ${props.type} runs x86_64 images, but image is an arm64 image`,
        found: props.image,
        fix: 'Use a Graviton type such as "t4g.micro" or "m7g.large", or the x86_64 image',
      };
}
