/**
 * jiti as an app installs it: the packages packed and installed with npm
 * into fresh apps outside the workspace, then
 * - the install's size: `@jiti/cli` alone, and with `@jiti/aws-particles`
 *   (and the two packages it depends on), as `du` counts node_modules;
 * - start-up: `jiti --version`, and `jiti plan` of the stack `jiti init`
 *   writes, against a warm local moto_server, medians of `runs`, through
 *   the app's own bin (what `npx jiti` finds) and through `npx jiti`.
 *
 *   pnpm bench:installed [runs]
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshApp, packAll, runIn } from "@jiti/testkit/install";
import { awsEnvironment, startMoto } from "@jiti/testkit/moto-server";

const RUNS = Number(process.argv[2] ?? 7);

function sizeMb(dir: string): number {
  const out = spawnSync("du", ["-sk", join(dir, "node_modules")], { encoding: "utf8" });
  return Number(out.stdout.split("\t")[0]) / 1024;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timed(dir: string, command: string, args: string[], env: Record<string, string | undefined> = {}): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const run = await runIn(dir, command, args, env);
    if (run.code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${run.code}:\n${run.stderr}`);
    samples.push(performance.now() - started);
  }
  return median(samples);
}

const work = await mkdtemp(join(tmpdir(), "jiti-bench-installed-"));
const moto = await startMoto();
try {
  const tarballs = await packAll(join(work, "packs"));
  const cliOnly = join(work, "cli-only");
  await freshApp(
    cliOnly,
    "cli-only",
    tarballs.filter((t) => t.includes("jiti-cli-")),
  );
  const app = join(work, "app");
  await freshApp(app, "app", tarballs);
  const init = await runIn(app, "npx", ["--no-install", "jiti", "init", "--no-install"]);
  if (init.code !== 0) throw new Error(`jiti init failed:\n${init.stderr}`);

  const env = awsEnvironment(moto.endpoint);
  const bin = join(app, "node_modules/.bin/jiti");
  // One plan first: moto loads its EC2 backend on the first call.
  await runIn(app, bin, ["plan"], env);
  const version = await timed(app, bin, ["--version"]);
  const plan = await timed(app, bin, ["plan"], env);
  const npxPlan = await timed(app, "npx", ["--no-install", "jiti", "plan"], env);

  const rows: Array<[string, string]> = [
    ["install: @jiti/cli alone", `${sizeMb(cliOnly).toFixed(0)} MB`],
    ["install: @jiti/cli + @jiti/aws-particles", `${sizeMb(app).toFixed(0)} MB`],
    ["jiti --version", `${version.toFixed(0)} ms`],
    ["jiti plan (the init stack)", `${plan.toFixed(0)} ms`],
    ["npx jiti plan", `${npxPlan.toFixed(0)} ms`],
  ];
  console.log(`the packed packages installed with npm in a fresh app, medians of ${RUNS} runs`);
  for (const [what, value] of rows) console.log(`  ${what.padEnd(44)} ${value.padStart(8)}`);
} finally {
  await moto.stop();
  await rm(work, { recursive: true, force: true });
}
