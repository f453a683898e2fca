/**
 * Runs the built `jiti` binary as a user would: `node packages/cli/bin/jiti.js`
 * in a temporary copy of a fixture stack, with the environment the moto
 * harness set up (AWS_ENDPOINT_URL, fake credentials, region).
 *
 *   const stack = await fixture("network");
 *   const run = await jiti(stack, ["plan", "--detailed-exitcode"]);
 *   expect(run.code).toBe(2);
 */
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { ensureBuilt } from "./_build.js";

const here = dirname(fileURLToPath(import.meta.url));
export const BIN = join(here, "../../packages/cli/bin/jiti.js");

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, which is then closed (stdin is never a terminal here). */
  input?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Runs this instead of `node jiti.js`, with `args` as its arguments (a pseudo-terminal: `script`). */
  command?: string;
}

/** A fixture copied to a temporary folder, for a test to change freely. */
export interface Fixture {
  dir: string;
  read(file?: string): Promise<string>;
  write(file: string, text: string): Promise<void>;
  /** Rewrites stack.tsx (or `file`) with `change`; fails when it changes nothing. */
  edit(change: (text: string) => string, file?: string): Promise<void>;
}

/** Builds the CLI (when its sources changed) once before the file's tests; removes fixture copies after. */
export function useJiti(): void {
  beforeAll(() => ensureBuilt(), 120_000);
  afterAll(async () => {
    await Promise.all(copies.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
}

const copies: string[] = [];

export async function fixture(name: string): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), `jiti-cli-${name}-`));
  copies.push(dir);
  await cp(join(here, "fixtures", name), dir, { recursive: true });
  const path = (file: string) => join(dir, file);
  return {
    dir,
    read: (file = "stack.tsx") => readFile(path(file), "utf8"),
    async write(file, text) {
      await mkdir(dirname(path(file)), { recursive: true });
      await writeFile(path(file), text);
    },
    async edit(change, file = "stack.tsx") {
      const before = await readFile(path(file), "utf8");
      const after = change(before);
      if (after === before) throw new Error(`edit of ${file} changed nothing`);
      await writeFile(path(file), after);
    },
  };
}

/** Runs `jiti …args` in the fixture's folder and collects its output. */
export function jiti(stack: Fixture | string, args: readonly string[], options: RunOptions = {}): Promise<Run> {
  const cwd = typeof stack === "string" ? stack : stack.dir;
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  // Plain output whatever the developer's terminal or vitest set.
  delete env.FORCE_COLOR;
  delete env.JITI_TIMINGS;
  return new Promise((resolve, reject) => {
    const [command, argv] = options.command ? [options.command, args] : [process.execPath, [BIN, ...args]];
    const child = spawn(command, argv, { cwd, env: env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`jiti ${args.join(" ")} did not finish within ${options.timeoutMs ?? 30_000} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`),
      );
    }, options.timeoutMs ?? 30_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** `--json` output: one object per line, each with a `kind`. */
export function jsonLines(stdout: string): Array<{ kind: string } & Record<string, unknown>> {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { kind: string } & Record<string, unknown>);
}

/** AWS ids and timings replaced by stable words, for snapshots. */
export function normalise(text: string): string {
  return text
    .replace(/\b(vpc|subnet|igw|sg|rtb|rtbassoc|i|eni|acl)-[0-9a-f]{8,17}\b/g, "$1-<id>")
    .replace(/\(\d+\.\d+s\)/g, "(<time>)")
    .replace(/\[\d+\.\d+s\]/g, "[<time>]");
}

/** Operations that change AWS (everything but Describe/List/Get), from moto's recording. */
export function mutations(calls: ReadonlyArray<{ operation: string }>): string[] {
  return calls.map((c) => c.operation).filter((op) => !/^(Describe|List|Get)/.test(op));
}
