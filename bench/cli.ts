/**
 * Start-up cost of the `jiti` command: wall time and peak memory of
 * `jiti plan examples/web-app/stack.tsx` against a warm local moto_server,
 * split into the phases the CLI reports with --timings, as ratios to the
 * target (0.6 s and 150 MB for the whole command; `cdk synth` of an
 * equivalent CDK app takes ~2.9 s and 450 MB here without reading AWS).
 *
 *   pnpm bench:cli [runs]
 *
 * Runs the built binary (building it first when its sources changed), as
 * a user's `npx jiti` would, and `npx jiti` itself for comparison.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BIN, ensureBuilt } from "@jiti/testkit/build";
import { awsEnvironment, startMoto } from "@jiti/testkit/moto-server";

const TARGET_SECONDS = 0.6;
const TARGET_MB = 150;
const RUNS = Number(process.argv[2] ?? 7);

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const STACK = "examples/web-app/stack.tsx";

interface Sample {
  wallMs: number;
  laps: Record<string, number>;
  totalMs: number;
  maxRssMb: number;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ wallMs: number; stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.once("error", reject);
    child.once("close", (code) => resolve({ wallMs: performance.now() - started, stdout, code }));
  });
}

async function plan(env: NodeJS.ProcessEnv): Promise<Sample> {
  const { wallMs, stdout, code } = await run(process.execPath, [BIN, "plan", STACK, "--json", "--timings"], env);
  if (code !== 0) throw new Error(`jiti plan exited with ${code}:\n${stdout}`);
  const timings = stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { kind: string } & Omit<Sample, "wallMs">)
    .find((line) => line.kind === "timings");
  if (!timings) throw new Error("jiti plan --timings printed no timings");
  return { wallMs, laps: timings.laps, totalMs: timings.totalMs, maxRssMb: timings.maxRssMb };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

await ensureBuilt();
const moto = await startMoto();
try {
  // spawn leaves out the variables awsEnvironment unsets (undefined).
  const env: NodeJS.ProcessEnv = { ...process.env, ...awsEnvironment(moto.endpoint) };
  // Warm: moto loads its EC2 backend on the first call (~1 s), and the OS caches the files.
  await plan(env);
  await plan(env);
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await plan(env));
  const npx: number[] = [];
  for (let i = 0; i < 3; i++) npx.push((await run("npx", ["--no-install", "jiti", "plan", STACK], env)).wallMs);
  const version: number[] = [];
  for (let i = 0; i < 3; i++) version.push((await run(process.execPath, [BIN, "--version"], env)).wallMs);

  const lap = (name: string) => median(samples.map((s) => s.laps[name] ?? 0));
  const wall = median(samples.map((s) => s.wallMs));
  const memory = median(samples.map((s) => s.maxRssMb));
  const rows: Array<[string, string, string]> = [
    ["load: node + CLI bundle", ms(lap("start")), ""],
    ["load: compile stack.tsx + jiti modules", ms(lap("compile")), "esbuild, in parallel with loading the AWS SDK"],
    ["load: import the stack", ms(lap("import")), ""],
    ["render", ms(lap("render")), "incl. bundling server.ts for <NodeApp>"],
    ["read", ms(lap("read")), "one list call per kind, lookups"],
    ["plan", ms(lap("plan")), ""],
    ["total in process", ms(median(samples.map((s) => s.totalMs))), ""],
    ["wall: jiti plan", ms(wall), `${(wall / 1000 / TARGET_SECONDS).toFixed(2)}× the ${TARGET_SECONDS} s target`],
    ["peak memory", `${memory} MB`, `${(memory / TARGET_MB).toFixed(2)}× the ${TARGET_MB} MB target`],
    ["wall: npx jiti plan", ms(median(npx)), "npx's own start-up on top"],
    ["wall: jiti --version", ms(median(version)), "no SDK loaded"],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`\njiti plan ${STACK}, warm moto_server, median of ${RUNS} runs\n`);
  for (const [name, value, note] of rows) console.log(`  ${name.padEnd(width)}  ${value.padStart(7)}  ${note}`);
  console.log();
  if (wall / 1000 > TARGET_SECONDS || memory > TARGET_MB) process.exitCode = 1;
} finally {
  await moto.stop();
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
