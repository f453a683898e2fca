import type { ArgsDef } from "citty";
import { DEFAULT_CONCURRENCY, type RunOptions } from "@jiti/reconciler";
import type { ErrorContext } from "./show/errors.js";
import { CliError } from "./cli-error.js";

/** Flags every command takes: how output looks. */
export const outputArgs = {
  json: { type: "boolean", description: "Write machine-readable JSON lines to stdout, and nothing else" },
  color: {
    type: "boolean",
    default: true,
    description: "Colour on a terminal",
    negativeDescription: "No colour (also with NO_COLOR=1, and when output is not a terminal)",
  },
  debug: { type: "boolean", description: "Show internal stack traces with errors" },
  timings: { type: "boolean", description: "Print where the time went to stderr (or set JITI_TIMINGS=1)" },
} as const satisfies ArgsDef;

/** Flags of commands that load stack.tsx. */
export const stackArgs = {
  file: { type: "positional", required: false, description: "The stack file (default: stack.tsx)" },
  env: { type: "string", default: "dev", valueHint: "name", description: "Passed to the stack component as its env prop" },
  stack: { type: "string", valueHint: "name", description: "Use this stack name instead of the one in <Stack name>" },
  tags: {
    type: "string",
    valueHint: "json",
    description:
      'Tags for every resource beside the stack\'s own, as JSON: \'{"cost-centre":"4711"}\' (<Stack tags> wins where both set one)',
  },
} as const satisfies ArgsDef;

/** Flags of commands that call AWS. */
export const awsArgs = {
  region: { type: "string", valueHint: "region", description: "AWS region (else AWS_REGION, or the profile's region)" },
  profile: { type: "string", valueHint: "name", description: "Profile from ~/.aws/config (else AWS_PROFILE)" },
  endpoint: { type: "string", valueHint: "url", description: "AWS API endpoint, e.g. a local emulator (else AWS_ENDPOINT_URL)" },
  "assume-role": {
    type: "string",
    valueHint: "arn",
    description: "Deploy as this IAM role, assumed through STS: a central identity deploying into another account",
  },
  "external-id": { type: "string", valueHint: "id", description: "The external id the assumed role's trust policy asks for" },
  concurrency: {
    type: "string",
    default: String(DEFAULT_CONCURRENCY),
    valueHint: "n",
    description: "How many steps are at work at once (waiting ones do not count)",
  },
} as const satisfies ArgsDef;

/** Flags of commands that plan a stack's changes (plan, render). */
export const refreshArgs = {
  "refresh-attrs": {
    type: "boolean",
    description:
      "Also read what jiti keeps in its jiti:attrs tag (VPC DNS settings, user data), a call per resource, to see changes made outside jiti",
  },
} as const satisfies ArgsDef;

/** RunOptions from the refresh flag. */
export function refreshOptions(flags: { "refresh-attrs"?: boolean | undefined }): RunOptions {
  return flags["refresh-attrs"] ? { refreshAttrs: true } : {};
}

/** Flags of commands that apply changes. */
export const applyArgs = {
  journal: {
    type: "string",
    valueHint: "file",
    description: "Write every applied change, as JSON patches of the live model, to this file (for audit)",
  },
} as const satisfies ArgsDef;

export const DEFAULT_FILE = "stack.tsx";

/** An IAM role's ARN, in any partition (aws, aws-cn, aws-us-gov), with a path or without. */
export const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** Credentials for a local emulator, which accepts any: never real ones. */
export const EMULATOR_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" } as const;
export const EMULATOR_REGION = "us-east-1";

export interface AwsFlags {
  region?: string | undefined;
  profile?: string | undefined;
  endpoint?: string | undefined;
  "assume-role"?: string | undefined;
  "external-id"?: string | undefined;
  concurrency?: string | undefined;
}

/**
 * RunOptions from the AWS flags. Everything else comes from the SDK's
 * standard chain. An endpoint on this machine is an emulator: when no
 * credentials or region are configured, it gets fake ones, which it accepts.
 */
export function awsOptions(flags: AwsFlags): RunOptions {
  const options: RunOptions = { concurrency: concurrencyOf(flags.concurrency) };
  if (flags.region) options.region = flags.region;
  if (flags.profile) options.profile = flags.profile;
  if (flags.endpoint) {
    if (!URL.canParse(flags.endpoint))
      throw new CliError(`--endpoint must be a URL (found: ${flags.endpoint})`, "Use a URL such as http://127.0.0.1:5000");
    options.endpoint = flags.endpoint;
  }
  const role = flags["assume-role"];
  if (role !== undefined) {
    if (!ROLE_ARN.test(role))
      throw new CliError(
        `--assume-role must be an IAM role's ARN (found: ${role})`,
        "Use the role's ARN, such as arn:aws:iam::123456789012:role/deploy",
      );
    options.assumeRole = { roleArn: role, ...(flags["external-id"] ? { externalId: flags["external-id"] } : {}) };
  } else if (flags["external-id"] !== undefined) {
    throw new CliError(
      "--external-id is for the role of --assume-role, and none was given",
      "Add --assume-role ARN, or drop --external-id",
    );
  }
  const endpoint = flags.endpoint ?? process.env.AWS_ENDPOINT_URL;
  if (endpoint && isLoopback(endpoint)) {
    const env = process.env;
    if (!flags.profile && !env.AWS_PROFILE && !env.AWS_ACCESS_KEY_ID) options.credentials = { ...EMULATOR_CREDENTIALS };
    if (!flags.region && !env.AWS_REGION) options.region = EMULATOR_REGION;
  }
  return options;
}

/**
 * What the error display needs to know of the AWS flags (show/errors.ts),
 * read from the command line itself: citty may have failed before parsing it.
 */
export function awsContext(rawArgs: readonly string[]): Pick<ErrorContext, "regionGiven" | "endpoint"> {
  const value = (flag: string) => {
    const i = rawArgs.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    return i === -1 ? undefined : rawArgs[i]!.includes("=") ? rawArgs[i]!.slice(flag.length + 1) : rawArgs[i + 1];
  };
  const endpointFlag = value("--endpoint");
  const endpointEnv = process.env.AWS_ENDPOINT_URL;
  return {
    regionGiven: value("--region") !== undefined || rawArgs.includes("--local") || Boolean(process.env.AWS_REGION),
    endpoint: endpointFlag
      ? { url: endpointFlag, from: "--endpoint" }
      : endpointEnv
        ? { url: endpointEnv, from: "AWS_ENDPOINT_URL" }
        : undefined,
  };
}

function concurrencyOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(
      `--concurrency must be a whole number from 1 (found: ${value})`,
      `Use --concurrency ${DEFAULT_CONCURRENCY}, the default`,
    );
  return n;
}

export function isLoopback(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
