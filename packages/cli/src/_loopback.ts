import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * What starting the local emulator needs (emulator.ts): a free loopback
 * port, whether the server answers yet, and the end of its log for errors.
 */
export const LOOPBACK = "127.0.0.1";

/** Binds port 0 on loopback to let the OS pick a free port, then frees it for the server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, LOOPBACK, () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error("could not find a free loopback port"))));
    });
  });
}

/** Whether moto_server at `endpoint` answers HTTP; its dashboard page is cheap and has no side effects. */
export async function answers(endpoint: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/** The last lines of a log file, or `fallback` when it cannot be read. */
export function logTail(file: string, lines = 15, fallback = ""): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return fallback;
  }
}
