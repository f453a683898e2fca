/**
 * Reads moto's request recording (`MOTO_ENABLE_RECORDING`): one JSON line per
 * HTTP request that reached the server, written before the request is handled.
 * See moto/moto_api/_internal/recorder/models.py in moto 5.2.1. Also tells
 * which AWS operation and service any request calls, for the proxy.
 */

/** One HTTP request that reached moto_server. */
export interface MotoCall {
  /** Signing name from the request's credential scope: "ec2", "iam", "sts". */
  service: string;
  /** The AWS operation, as in the API reference: "DescribeVpcs". */
  operation: string;
  /** 1 for the first try of a command, 2 and up for the SDK's retries of it. */
  attempt: number;
}

interface RecordedRequest {
  headers: Record<string, string>;
  method: string;
  url: string;
  body: string | null;
  body_encoded?: boolean;
}

export function parseRecording(text: string): MotoCall[] {
  return (
    text
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as RecordedRequest)
      // The recorder skips its own endpoints but not /moto-api/reset and friends.
      .filter((request) => !new URL(request.url).pathname.startsWith("/moto-api/"))
      .map(toCall)
  );
}

/** An HTTP request to an AWS endpoint, as far as telling its operation goes. */
export interface AwsRequest {
  method: string;
  /** The full URL, with the query string. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body as text ("" when there is none). */
  body: string;
}

function toCall(recorded: RecordedRequest): MotoCall {
  const request: AwsRequest = { ...recorded, body: bodyText(recorded) };
  return {
    service: serviceOf(request),
    operation: operationOf(request),
    attempt: Number(/attempt=(\d+)/.exec(header(request, "amz-sdk-request") ?? "")?.[1] ?? 1),
  };
}

/** The signing name in the request's credential scope ("ec2", "iam"): the service it is for. */
export function serviceOf(request: AwsRequest): string {
  return /Credential=[^/]*\/[^/]*\/[^/]*\/([^/]+)\//.exec(header(request, "authorization") ?? "")?.[1] ?? "unknown";
}

function header(request: AwsRequest, name: string): string | undefined {
  const value = Object.entries(request.headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

/** The AWS operation a request calls ("DescribeVpcs"): where each AWS protocol puts its name. */
export function operationOf(request: AwsRequest): string {
  // awsJson: `X-Amz-Target: AmazonSSM.GetParameter`
  const target = header(request, "x-amz-target");
  if (target) return target.slice(target.lastIndexOf(".") + 1);
  const url = new URL(request.url);
  // rpc-v2-cbor: POST /service/<service>/operation/<operation>
  const rpc = /^\/service\/[^/]+\/operation\/([^/]+)$/.exec(url.pathname);
  if (rpc?.[1]) return rpc[1];
  // awsQuery and ec2Query (IAM, STS, EC2): `Action=` in the form body, or in the query string for GET.
  const action = url.searchParams.get("Action") ?? new URLSearchParams(request.body).get("Action");
  if (action) return action;
  // REST protocols (S3, Lambda…) name the operation only through method and path.
  return `${request.method} ${url.pathname}`;
}

function bodyText(request: RecordedRequest): string {
  if (!request.body) return "";
  return request.body_encoded ? Buffer.from(request.body, "base64").toString("utf8") : request.body;
}
