// The errors entry alone: showing a usage error loads no particle and no AWS SDK.
import { readAwsError } from "@jiti/aws-particles/errors";
import { ApplyError, RenderError, StackLockedError, type Failure, type Problem } from "@jiti/reconciler";
import { CliError } from "../cli-error.js";
import { CompileError, StackLoadError, type SourceSpot } from "../load/index.js";
import type { Colors } from "../ui.js";
import { findingsText, problemLine } from "./findings.js";

/** An error as the user sees it, and as `--json` reports it. */
export interface ShownError {
  text: string;
  json: Record<string, unknown>;
}

export interface ErrorContext {
  /** The command that failed, for "run `jiti render` again". */
  command: string;
  debug: boolean;
  /** Whether a region was given (--region, AWS_REGION): the SDK's "Region is missing" carries no code to tell it by. */
  regionGiven?: boolean;
  /** Where AWS calls went, when not to AWS itself: --endpoint, else AWS_ENDPOINT_URL. */
  endpoint?: { url: string; from: string } | undefined;
}

/**
 * Every error the CLI can meet, in the shape of jiti's errors: what is wrong,
 * where in stack.tsx, and what to do. Internal stack traces only with --debug.
 */
export function showError(error: unknown, c: Colors, context: ErrorContext): ShownError {
  const shown = describe(error, c, context);
  const trace = context.debug ? debugTrace(error) : "";
  return { text: `${shown.text}${trace ? `\n\n${c.dim(trace)}` : ""}`, json: shown.json };
}

function describe(error: unknown, c: Colors, context: ErrorContext): ShownError {
  const head = (text: string) => `${c.red(c.bold("error:"))} ${text}`;
  if (error instanceof CliError) {
    return {
      text: [head(error.message), ...(error.hint ? [`  ${error.hint}.`] : [])].join("\n"),
      json: { error: "usage", message: error.message },
    };
  }
  if (error instanceof CompileError) {
    const text = error.messages
      .map((m) => {
        const spot: SourceSpot | undefined = m.location
          ? { file: m.location.file, line: m.location.line, column: m.location.column + 1, lineText: m.location.lineText }
          : undefined;
        const notes = m.notes.map((n) => `  ${c.dim("note:")} ${n.location ? `${n.location.file}:${n.location.line}: ` : ""}${n.text}`);
        return [head(`${spot ? `${where(spot)}: ` : ""}${m.text}`), ...frame(spot, c), ...notes].join("\n");
      })
      .join("\n\n");
    return {
      text,
      json: {
        error: "compile",
        messages: error.messages.map((m) => ({
          message: m.text,
          ...(m.location ? { file: m.location.file, line: m.location.line, column: m.location.column + 1 } : {}),
        })),
      },
    };
  }
  if (error instanceof StackLoadError) {
    const at = error.spot ? `${where(error.spot)}: ` : "";
    return {
      text: [head(`${at}${error.message}`), ...frame(error.spot, c), `  ${error.fix}.`].join("\n"),
      json: { error: "load", message: error.message, ...(error.spot ? { file: error.spot.file, line: error.spot.line } : {}) },
    };
  }
  if (error instanceof ApplyError) return applyError(error, c, context);
  if (error instanceof StackLockedError) {
    const stack = error.lockedStack;
    return {
      text: [
        head(`${error.message}.`),
        `  Nothing was read or changed. Wait for that run to finish and run \`jiti ${context.command}\` again.`,
        `  If that run is gone (killed, its machine lost), wait for its lock to lapse, or release it now: \`jiti unlock --stack ${stack}\`.`,
      ].join("\n"),
      json: { error: "locked", message: error.message, stack, holder: error.record },
    };
  }
  const problems = problemsOf(error);
  if (problems) {
    const lookup = (error as Error).name === "LookupError";
    const title = lookup
      ? `looking up existing resources found ${count(problems.length, "problem")}; nothing was changed:`
      : `the stack has ${count(problems.length, "problem")}; nothing was changed:`;
    // What rules found besides, which alone would not have failed the render.
    const more = error instanceof RenderError ? { warnings: error.warnings, waived: error.waived } : { warnings: [], waived: [] };
    const besides = findingsText(more, c);
    return {
      text: [head(title), ...problems.map((p) => `  - ${problemLine(p, c)}`), ...(besides ? ["", besides.trimEnd()] : [])].join("\n"),
      json: { error: lookup ? "lookup" : "render", message: (error as Error).message, problems, ...(besides ? more : {}) },
    };
  }
  return otherError(error, head, context);
}

function applyError(error: ApplyError, c: Colors, context: ErrorContext): ShownError {
  const { failures, skipped, interrupted } = error.result;
  if (interrupted && failures.length === 0) {
    // Stopped on request: nothing failed, so there is no cause to fix and no list of skipped steps to read.
    return {
      text: [
        `${c.yellow(c.bold("interrupted:"))} ${interrupted.reason}; ${count(interrupted.notStarted, "step")} did not start. The steps in flight finished.`,
        "",
        `What was done is kept. Run \`jiti ${context.command}\` again to finish: it continues from where this run stopped.`,
      ].join("\n"),
      json: { error: "interrupted", message: error.message, interrupted, skipped },
    };
  }
  const lines = [
    `${c.red(c.bold("error:"))} ${count(failures.length, "step")} failed${skipped.length > 0 ? `, ${count(skipped.length, "dependent step")} skipped` : ""}${interrupted ? ` (interrupted: ${interrupted.reason})` : ""}:`,
    "",
  ];
  for (const f of failures) {
    lines.push(
      `  ${c.red("✗")} ${f.source ? `${c.cyan(f.source)}: ` : ""}${c.bold(f.path || f.key || "the stack")} (${f.type}): ${f.step} failed`,
    );
    lines.push(`      ${f.code ? `${c.bold(f.code)}: ` : ""}${f.message}`);
    if (f.requestId) lines.push(`      ${c.dim(`AWS request id: ${f.requestId}`)}`);
    const hint = hintFor(f);
    if (hint) lines.push(`      ${hint}.`);
  }
  for (const s of skipped) lines.push(`  ${c.yellow("○")} skipped: ${s}`);
  // Only AWS or the network at fault: nothing in stack.tsx to fix.
  const passing = failures.every((f) => TRANSIENT.test(f.code ?? ""));
  const again = `${passing ? "Run" : "Fix the cause and run"} \`jiti ${context.command}\` again`;
  lines.push(
    "",
    `What succeeded is kept, and re-running is safe: nothing is made twice. ${again}: it continues from where this run stopped.`,
  );
  return {
    text: lines.join("\n"),
    json: { error: "apply", message: error.message, failures, skipped },
  };
}

/**
 * Codes of a failure that passes: AWS's throttling and server errors, and a
 * connection lost on the way, once the SDK's retries have given up.
 */
const TRANSIENT =
  /^(RequestLimitExceeded|Throttling|ThrottlingException|TooManyRequestsException|InternalError|InternalFailure|ServiceUnavailable|Unavailable|ECONNRESET|EPIPE|ETIMEDOUT|TimeoutError|RequestTimeout)$/;

/** What to do about an AWS error, by its code. */
function hintFor(f: Failure): string | undefined {
  const code = f.code ?? "";
  if (TRANSIENT.test(code)) return "AWS or the network failed for a moment, after jiti's retries: nothing in stack.tsx to fix";
  if (
    /^(UnauthorizedOperation|AccessDenied|AccessDeniedException|AuthFailure|UnrecognizedClientException|InvalidClientTokenId)$/.test(code)
  ) {
    return "Your AWS identity may not make this call: grant the permission, or use a profile that has it (--profile)";
  }
  if (code.endsWith("LimitExceeded") && code !== "RequestLimitExceeded")
    return "An AWS quota is reached: remove unused resources, or raise the quota in Service Quotas";
  if (code === "DependencyViolation") return "Something outside the stack still uses this resource: remove that first";
  if (code === "NotOwned")
    return "jiti changes only resources tagged with this stack's name; check --stack and the resource's jiti:stack tag";
  if (code === "WaitTimeout") return "AWS took too long to make it ready: check it in the AWS console";
  if (/^Invalid|Malformed|ValidationError/.test(code))
    return `AWS rejected a value${f.source ? ` set at ${f.source}` : ""}: fix it in the stack`;
  return undefined;
}

/** Errors from outside the pipeline: AWS configuration, the network, or a bug. */
/** Node's codes for a call that reached no AWS API at all. */
const NETWORK = new Set(["ECONNREFUSED", "ENOTFOUND", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "EAI_AGAIN"]);

function otherError(error: unknown, head: (text: string) => string, context: ErrorContext): ShownError {
  const e = (typeof error === "object" && error !== null ? error : {}) as { name?: string; message?: string; code?: string };
  const aws = readAwsError(error);
  const message = e.message ?? String(error);
  const lines: string[] = [];
  let kind = "internal";
  // readAwsError also reads an SDK call that reached no one: the network errors first.
  if (aws && NETWORK.has(aws.code)) {
    kind = "network";
    const endpoint = context.endpoint;
    lines.push(head(`could not reach AWS: ${message}`));
    if (endpoint)
      lines.push(
        `  ${endpoint.from} is ${endpoint.url}: is the emulator running? Start one with \`jiti local\`, or drop ${endpoint.from} to use AWS.`,
      );
    else lines.push("  Check the network, and --region.");
  } else if (aws) {
    kind = "aws";
    lines.push(head(`AWS answered ${aws.code}: ${message}`));
    if (aws.requestId) lines.push(`  AWS request id: ${aws.requestId}`);
    if (aws.transient) lines.push("  AWS says this may pass (throttling, or a fault on its side): run the command again.");
    if (context.endpoint && !aws.requestId) {
      // AWS (and its emulators) tag every answer with a request id: none means something else answered.
      lines.push(
        `  ${context.endpoint.from} is ${context.endpoint.url}, and its answer carried no AWS request id: is it an AWS API endpoint? Start an emulator with \`jiti local\`, or drop ${context.endpoint.from} to use AWS.`,
      );
    } else {
      lines.push("  Check the credentials, region and permissions jiti runs with (--profile, --region).");
    }
  } else if (e.name === "CredentialsProviderError") {
    kind = "aws";
    lines.push(head(`no AWS credentials: ${message}`));
    lines.push(
      "  Set them as for the AWS CLI (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); to try jiti without an account, see `jiti local`.",
    );
  } else {
    lines.push(head(message));
    if (context.regionGiven === false)
      lines.push("  No AWS region is set: pass --region, or set AWS_REGION (or a region in your AWS profile).");
    lines.push("  Run again with --debug to see where it happened.");
  }
  return {
    text: lines.join("\n"),
    json: { error: kind, message, ...(aws ? { code: aws.code } : {}), ...(e.name ? { name: e.name } : {}) },
  };
}

function problemsOf(error: unknown): readonly Problem[] | undefined {
  const problems = (error as { problems?: unknown } | undefined)?.problems;
  return Array.isArray(problems) ? (problems as Problem[]) : undefined;
}

function where(spot: SourceSpot): string {
  return `${spot.file}:${spot.line}${spot.column !== undefined ? `:${spot.column}` : ""}`;
}

/** The offending line of the user's file, with a caret under the column. */
function frame(spot: SourceSpot | undefined, c: Colors): string[] {
  if (!spot?.lineText) return [];
  const number = String(spot.line);
  const gutter = " ".repeat(number.length);
  const lines = [`  ${c.dim(`${number} │`)} ${spot.lineText}`];
  if (spot.column !== undefined) {
    // Tabs keep their width, so the caret lines up under them.
    const before = spot.lineText.slice(0, spot.column - 1).replace(/[^\t]/g, " ");
    lines.push(`  ${c.dim(`${gutter} │`)} ${before}${c.red("^")}`);
  }
  return lines;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function debugTrace(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    parts.push(e.stack ?? `${e.name}: ${e.message}`);
  }
  return parts.join("\nCaused by: ");
}
