/**
 * The one place that reads the AWS SDK's errors. AWS errors are matched by
 * their code, never by message text or HTTP status.
 */

/** What an error thrown by an AWS SDK call says. */
export interface AwsErrorInfo {
  /**
   * AWS's error code (`DependencyViolation`, `InvalidVpcID.NotFound`, IAM's
   * `NoSuchEntity`), or Node's when no answer came (`ECONNREFUSED`).
   */
  code: string;
  /** AWS's id of the request, which AWS support asks for; absent when no AWS API answered. */
  requestId?: string;
  message: string;
  /** Throttling, or a server-side or network failure: the same call may succeed later. */
  transient: boolean;
  /** AWS turned the call away for its rate: it did nothing, and the same call may be sent again after a pause. */
  throttled: boolean;
  /**
   * AWS answered that it would not do what was asked (a 4xx, or throttling):
   * nothing was done. False after a server error or no answer at all, when
   * the change may or may not have been made.
   */
  refused: boolean;
  /** Whose fault AWS says it is, when an AWS API answered. */
  fault?: "client" | "server";
}

/**
 * The codes the SDK's retry strategy treats as throttling and as transient:
 * THROTTLING_ERROR_CODES, TRANSIENT_ERROR_CODES, NODEJS_TIMEOUT_ERROR_CODES and
 * NODEJS_NETWORK_ERROR_CODES in @smithy/core 3.41.0
 * (dist-es/submodules/retry/service-error-classification/constants.js),
 * mirrored: the package exports only predicates, which also read HTTP status
 * codes, and it is not a dependency of ours. As in the SDK, IAM's `LimitExceededException` (a
 * quota) counts as throttling.
 */
const THROTTLING_CODES: ReadonlySet<string> = new Set([
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
]);

const SDK_TRANSIENT_CODES: ReadonlySet<string> = new Set([
  ...THROTTLING_CODES,
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * Server-side codes AWS documents as worth retrying, which the SDK retries by
 * their 5xx status rather than by code: the errors common to every API
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html)
 * and EC2's server errors (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
 */
const SERVER_TRANSIENT_CODES: ReadonlySet<string> = new Set(["InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable"]);

/** The shape of an error as the SDK throws it; every field may be missing. */
interface SdkErrorFields {
  name?: unknown;
  message?: unknown;
  Code?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { requestId?: unknown };
}

/**
 * Reads an error thrown by an AWS SDK call: AWS's answer, or why none came.
 * The SDK stamps `$metadata` on every error a command throws (its retry
 * middleware counts the attempts), so that is what tells them from anything
 * else, for which this answers undefined.
 */
export function readAwsError(error: unknown): AwsErrorInfo | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as SdkErrorFields;
  if (typeof e.$metadata !== "object" || e.$metadata === null) return undefined;
  const code = errorCode(error);
  if (code === undefined) return undefined;
  const requestId = e.$metadata.requestId;
  const fault = e.$fault === "client" || e.$fault === "server" ? e.$fault : undefined;
  // The SDK matches its lists against `name`; IAM's modelled errors carry AWS's code in `Code` and the class in `name`.
  const named = (codes: ReadonlySet<string>) => codes.has(code) || (typeof e.name === "string" && codes.has(e.name));
  const transient = named(SDK_TRANSIENT_CODES) || named(SERVER_TRANSIENT_CODES) || fault === "server" || e.$retryable !== undefined;
  const throttled = named(THROTTLING_CODES);
  return {
    code,
    ...(typeof requestId === "string" ? { requestId } : {}),
    message: typeof e.message === "string" ? e.message : String(error),
    transient,
    throttled,
    refused: throttled || fault === "client",
    ...(fault ? { fault } : {}),
  };
}

/**
 * An error's code: AWS's for an SDK error (IAM puts it in `Code`, EC2 in
 * `name`), else the error's own `code` (jiti's `WaitTimeout`, Node's
 * `ECONNRESET`) or its name.
 */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as SdkErrorFields;
  const code = e.Code ?? e.code ?? e.name;
  return typeof code === "string" ? code : undefined;
}

/** Whether `error` carries one of `codes` (as `errorCode` reads it): how AWS errors are matched, never by message. */
export function hasCode(error: unknown, ...codes: string[]): boolean {
  const code = errorCode(error);
  return code !== undefined && codes.includes(code);
}

/** Runs `fn`; a named not-found code means the resource is already gone. */
export async function ignoreCodes(codes: readonly string[], fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (!hasCode(error, ...codes)) throw error;
  }
}

/**
 * Sets on the error of a failed SDK call the generic shape the reconciler
 * reads of any thrown error: AWS's code as `code`, AWS's request id as
 * `requestId`. The error stays the SDK's own otherwise (its class, `name`,
 * `$metadata`, `$fault`), so `instanceof` and `hasCode` still hold.
 */
export function setCodeAndRequestId(error: unknown): unknown {
  const info = readAwsError(error);
  if (info) Object.assign(error as object, { code: info.code, ...(info.requestId ? { requestId: info.requestId } : {}) });
  return error;
}
