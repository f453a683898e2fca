import type { ApplyResult, FailureInfo } from "./types.js";

/** The apply failed: every failed element, with AWS's code and request id. */
export class ApplyError extends Error {
  override readonly name = "ApplyError";
  constructor(readonly result: ApplyResult) {
    const lines = result.failures.map(
      (f) =>
        `  - ${f.source ? `${f.source}: ` : ""}${f.path || f.key} (${f.type}): ${f.step} failed: ${f.message}` +
        `${f.code ? ` [${f.code}${f.requestId ? `, request ${f.requestId}` : ""}]` : ""}`,
    );
    const skipped =
      result.skipped.length > 0 ? `\n${result.skipped.length} dependent step(s) were skipped: ${result.skipped.join(", ")}` : "";
    const head = result.interrupted
      ? `interrupted (${result.interrupted.reason}): ${result.interrupted.notStarted} step(s) were not started${lines.length > 0 ? `, and ${lines.length} element(s) failed:` : ""}`
      : `${result.failures.length} element(s) failed:`;
    super(`${head}\n${lines.join("\n")}${skipped}`);
  }
}

/** Why the run was stopped, from its abort signal. */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "aborted";
}

/** A thrown error as a failure reports it: see `FailureInfo` for what is read. */
export function failureInfo(error: unknown): FailureInfo {
  if (typeof error !== "object" || error === null) return { message: String(error) };
  const e = error as { message?: unknown; code?: unknown; requestId?: unknown };
  const code = typeof e.code === "string" ? e.code : undefined;
  const requestId = typeof e.requestId === "string" ? e.requestId : undefined;
  return {
    message: typeof e.message === "string" ? e.message : String(error),
    ...(code ? { code } : {}),
    ...(requestId ? { requestId } : {}),
  };
}
