/**
 * Whether the CLI's dist/ is older than anything it is built from: its own
 * sources and those of the workspace packages it bundles. Read by
 * `build.mjs --if-stale` (the pack's build) and by @jiti/testkit's
 * ensureBuilt, so that a pack during a test run does not rebuild the dist
 * that other tests' CLI processes are running.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = dirname(fileURLToPath(import.meta.url));
const root = join(cli, "../..");

/** The file whose time is the build's. */
export const OUTPUT = join(cli, "dist/jiti.mjs");

/** What the bundle is made of. */
const SOURCES = [
  "packages/cli/src",
  "packages/cli/build.mjs",
  "packages/cli/package.json",
  "packages/reconciler/src",
  "packages/reconciler/package.json",
  "packages/jsx-runtime/src",
  "packages/jsx-runtime/package.json",
  "packages/aws-particles/src",
  "packages/aws-particles/package.json",
  "pnpm-lock.yaml",
];

export function isStale() {
  if (!existsSync(OUTPUT)) return true;
  const built = statSync(OUTPUT).mtimeMs;
  return SOURCES.some((source) => newest(join(root, source)) > built);
}

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}
