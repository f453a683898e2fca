/**
 * jiti as an app installs it: the workspace's four packages packed (`pnpm
 * pack`, which builds them as a publish would) and installed with npm into
 * a fresh app outside the workspace. For the installed-packages test and
 * `bench/installed.ts` (`@jiti/testkit/install`, no vitest imports).
 */
import { execFile } from "node:child_process";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ensureBuilt } from "./build.js";

const exec = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "../../../..");
/** In the order their builds need one another (tsc -b builds what a package references first). */
const PACKAGES = ["jsx-runtime", "reconciler", "aws-particles", "cli"];

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Packs every published package into `dir`; resolves with the tarballs' paths. */
export async function packAll(dir: string): Promise<string[]> {
  // The CLI's pack builds its dist only when stale: other tests' CLI processes run that dist.
  await ensureBuilt();
  for (const name of PACKAGES) {
    await exec("npx", ["-y", "pnpm@12.4.2", "pack", "--pack-destination", dir], { cwd: join(root, "packages", name) });
  }
  const tarballs = (await readdir(dir)).filter((file) => file.endsWith(".tgz")).map((file) => join(dir, file));
  if (tarballs.length !== PACKAGES.length) throw new Error(`pnpm pack made ${tarballs.length} tarballs for ${PACKAGES.length} packages`);
  return tarballs;
}

/**
 * Runs a command in `cwd` as a user would in a shell there, outside any
 * test run (no CI, no vitest worker variables: vitest would refuse to write
 * a first snapshot under CI); resolves with its output whatever its exit code.
 */
export async function runIn(
  cwd: string,
  command: string,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CommandResult> {
  const merged: Record<string, string | undefined> = { ...process.env, ...env };
  for (const name of ["CI", "VITEST", "VITEST_POOL_ID", "VITEST_WORKER_ID", "NODE_OPTIONS"]) delete merged[name];
  try {
    const { stdout, stderr } = await exec(command, args, { cwd, env: merged as NodeJS.ProcessEnv, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/**
 * A fresh app in `dir` as `npm init -y` makes one (named `name`), with a
 * small `server.ts`, and `packages` installed as dev dependencies from
 * npm's cache where it can.
 */
export async function freshApp(dir: string, name: string, packages: readonly string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const init = await runIn(dir, "npm", ["init", "-y"]);
  if (init.code !== 0) throw new Error(`npm init failed:\n${init.stderr}`);
  const named = await runIn(dir, "npm", ["pkg", "set", `name=${name}`]);
  if (named.code !== 0) throw new Error(`npm pkg set failed:\n${named.stderr}`);
  await writeFile(
    join(dir, "server.ts"),
    'import { createServer } from "node:http";\n\ncreateServer((_, res) => res.end("hello")).listen(Number(process.env["PORT"] ?? 8080));\n',
  );
  const install = await runIn(dir, "npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "-D", ...packages]);
  if (install.code !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
}
