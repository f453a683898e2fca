import { _InstanceType } from "@aws-sdk/client-ec2";

/** Every instance type the AWS SDK names (`"t3.micro"`, `"m7g.large"`…): what an editor completes for `<Ec2 type>`. */
export type KnownInstanceType = (typeof _InstanceType)[keyof typeof _InstanceType];

/** The sizes of those types: `nano` … `metal-48xl`. */
export type InstanceSize = KnownInstanceType extends `${string}.${infer Size}` ? Size : never;

/**
 * An instance type: one the SDK names, or any family with a size it names,
 * so that a family AWS adds after this release can still be written
 * (`"x9g.large"`). A misspelt size (`"t3.mirco"`) is a type error.
 */
// `& {}` keeps the named types apart from the pattern, which would otherwise absorb them, so editors still list them.
export type InstanceType = KnownInstanceType | (`${string}.${InstanceSize}` & {});

/** The SDK's instance types, for "did you mean" suggestions. */
export const KNOWN_INSTANCE_TYPES: readonly string[] = Object.values(_InstanceType);
