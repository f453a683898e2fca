import type { ParticleContext } from "@jiti/reconciler/particle";
import { hasCode } from "./errors.js";

export interface Bounds {
  /** Give up after this long. */
  timeoutMs: number;
  /** First pause between attempts; doubles up to `maxIntervalMs`. */
  intervalMs?: number;
  maxIntervalMs?: number;
}

const DEFAULT: Required<Bounds> = { timeoutMs: 300_000, intervalMs: 1_000, maxIntervalMs: 10_000 };

/** A pause that ends early, rejecting, when the run is aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export class WaitTimeoutError extends Error {
  override readonly name = "WaitTimeout";
  readonly code = "WaitTimeout";
}

/**
 * The one bounded wait: polls `probe` until it returns a value (not
 * undefined), with exponential backoff, honouring the run's abort signal.
 */
export async function waitFor<T>(
  ctx: ParticleContext,
  what: string,
  probe: () => Promise<T | undefined>,
  bounds: Partial<Bounds> = {},
): Promise<T> {
  const b = { ...DEFAULT, ...bounds };
  const deadline = Date.now() + b.timeoutMs;
  let interval = b.intervalMs;
  for (let attempt = 0; ; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() + interval > deadline) {
      throw new WaitTimeoutError(`timed out after ${Math.round(b.timeoutMs / 1000)} s waiting for ${what}`);
    }
    if (attempt === 0) ctx.progress(`waiting for ${what}`);
    // A pause gives the step's place to another.
    await ctx.idle(sleep(interval, ctx.signal));
    interval = Math.min(interval * 2, b.maxIntervalMs);
  }
}

/**
 * Retries `fn` while it fails with one of the named transient codes
 * (`DependencyViolation` while dependants detach, IAM's eventual consistency…),
 * or an error `codes` accepts, within the same bounds as `waitFor`. Any other
 * error is thrown at once.
 */
export async function retryOn<T>(
  ctx: ParticleContext,
  codes: readonly string[] | ((error: unknown) => boolean),
  what: string,
  fn: () => Promise<T>,
  bounds: Partial<Bounds> = {},
): Promise<T> {
  const retryable = typeof codes === "function" ? codes : (error: unknown) => hasCode(error, ...codes);
  let last: unknown;
  const result = await waitFor(
    ctx,
    what,
    async () => {
      try {
        return { value: await fn() };
      } catch (error) {
        if (!retryable(error)) throw error;
        last = error;
        return undefined;
      }
    },
    { timeoutMs: 120_000, ...bounds },
  ).catch((error: unknown) => {
    // Prefer AWS's own error over our timeout: it names the real cause.
    throw error instanceof WaitTimeoutError && last ? last : error;
  });
  return result.value;
}
