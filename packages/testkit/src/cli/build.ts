/**
 * The built `jiti` command, as end-to-end tests and benchmarks run it
 * (`@jiti/testkit/build`, no vitest imports). `ensureBuilt` builds
 * packages/cli/dist when it is older than any of its sources, once for all
 * test workers: the first to see it stale takes a lock (an atomic mkdir),
 * builds, and lets go; the others wait for the lock and re-check.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { isStale } from "@jiti/cli/stale";

/** The workspace: the kit runs the CLI of the checkout it belongs to. */
const root = join(dirname(fileURLToPath(import.meta.url)), "../../../..");
const cli = join(root, "packages/cli");
/** The `jiti` bin, as `npx jiti` runs it: `node BIN …args`. */
export const BIN = join(cli, "bin/jiti.js");
/** The version in the CLI's package.json, which `jiti --version` prints. */
export const CLI_VERSION = (JSON.parse(readFileSync(join(cli, "package.json"), "utf8")) as { version: string }).version;
const lock = join(cli, "dist.lock");

export async function ensureBuilt(): Promise<void> {
  for (;;) {
    // While another worker builds, dist is half written: wait for its lock to go.
    if (!existsSync(lock) && !isStale()) return;
    if (tryLock()) {
      try {
        if (isStale()) await promisify(execFile)(process.execPath, [join(cli, "build.mjs")], { cwd: cli });
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
      return;
    }
    // A lock older than two minutes is left over from a killed run.
    if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
    await sleep(100);
  }
}

function tryLock(): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    return false;
  }
}
