/**
 * Runs the built `jiti` binary as a user would: `node packages/cli/bin/jiti.js`
 * in a temporary copy of a fixture stack, with the environment the moto
 * harness set up (AWS_ENDPOINT_URL, fake credentials, region).
 *
 *   const { fixture } = useJiti({ fixtures: join(import.meta.dirname, "fixtures") });
 *   const stack = await fixture("network");
 *   const run = await jiti(stack, ["plan", "--detailed-exitcode"]);
 *   expect(run.code).toBe(2);
 */
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { BIN, ensureBuilt } from "./build.js";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Written to stdin, which is then closed (stdin is never a terminal here). */
  input?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Runs this instead of `node jiti.js`, with `args` as its arguments (a pseudo-terminal: `script`). */
  command?: string;
}

/** A `jiti` process still running, for tests that act on it meanwhile (Ctrl-C). */
export interface RunningJiti {
  readonly pid: number;
  /** Resolves once what the process wrote to `stream` so far matches `pattern` (a RegExp, or a test of the whole text); rejects if it ends first. */
  output(stream: "stdout" | "stderr", pattern: RegExp | ((written: string) => boolean)): Promise<string>;
  /** Sends `signal` to the process (to its own pid only). */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when it has exited, with everything it wrote. */
  readonly done: Promise<CliRun>;
}

/** A folder (a fixture's copy, or one made for a test) for a test to change freely. */
export interface Fixture {
  dir: string;
  read(file?: string): Promise<string>;
  write(file: string, text: string): Promise<void>;
  /** Rewrites stack.tsx (or `file`) with `change`; fails when it changes nothing. */
  edit(change: (text: string) => string, file?: string): Promise<void>;
}

export interface Fixtures {
  /** A temporary copy of the folder `name` under the `fixtures` given to useJiti. */
  fixture(name: string): Promise<Fixture>;
  /** A temporary folder holding `files` (path → text). */
  folder(files?: Record<string, string>): Promise<Fixture>;
}

/**
 * Builds the CLI (when its sources changed) once before the file's tests,
 * and removes the file's temporary folders after them. `fixtures` is the
 * folder whose subfolders `fixture(name)` copies.
 */
export function useJiti(options: { fixtures?: string } = {}): Fixtures {
  const copies: string[] = [];
  beforeAll(() => ensureBuilt(), 120_000);
  afterAll(async () => {
    await Promise.all(copies.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  const temporary = async (name: string) => {
    const dir = await mkdtemp(join(tmpdir(), `jiti-cli-${name}-`));
    copies.push(dir);
    return dir;
  };
  return {
    async fixture(name) {
      if (!options.fixtures) throw new Error(`fixture("${name}"): pass useJiti({ fixtures: <folder> }) to say where fixtures are`);
      const dir = await temporary(name);
      await cp(join(options.fixtures, name), dir, { recursive: true });
      return inFolder(dir);
    },
    async folder(files = {}) {
      const folder = inFolder(await temporary("folder"));
      for (const [file, text] of Object.entries(files)) await folder.write(file, text);
      return folder;
    },
  };
}

function inFolder(dir: string): Fixture {
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
export function jiti(stack: Fixture | string, args: readonly string[], options: CliRunOptions = {}): Promise<CliRun> {
  return startJiti(stack, args, options).done;
}

/** Starts `jiti …args` in the fixture's folder; `done` collects its output. */
export function startJiti(stack: Fixture | string, args: readonly string[], options: CliRunOptions = {}): RunningJiti {
  const cwd = typeof stack === "string" ? stack : stack.dir;
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  // Plain output whatever the developer's terminal or vitest set.
  delete env.FORCE_COLOR;
  delete env.JITI_TIMINGS;
  const [command, argv] = options.command ? [options.command, args] : [process.execPath, [BIN, ...args]];
  const child = spawn(command, argv, { cwd, env: env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
  const written = { stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (d: string) => (written.stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (written.stderr += d));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const done = new Promise<CliRun>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`jiti ${args.join(" ")} did not finish within ${timeoutMs} ms\nstdout:\n${written.stdout}\nstderr:\n${written.stderr}`),
      );
    }, timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, ...written });
    });
  });
  child.stdin.end(options.input ?? "");
  return {
    pid: child.pid!,
    output: (stream, pattern) =>
      new Promise((resolve, reject) => {
        const matches = typeof pattern === "function" ? pattern : (text: string) => pattern.test(text);
        const check = () => {
          if (!matches(written[stream])) return false;
          child[stream].off("data", check);
          resolve(written[stream]);
          return true;
        };
        if (check()) return;
        child[stream].on("data", check);
        done.then(
          (run) =>
            check() ||
            reject(new Error(`jiti ${args.join(" ")} exited (${run.code}) before its ${stream} matched ${pattern}:\n${run[stream]}`)),
          reject,
        );
      }),
    kill: (signal) => void child.kill(signal),
    done,
  };
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

/**
 * Operations that change the stack's resources (everything but
 * Describe/List/Get), from moto's recording. The stack lock's SSM parameter,
 * written when an apply starts and deleted when it ends (PutParameter,
 * DeleteParameter: jiti calls SSM for nothing else that writes), is
 * bookkeeping, not a change: the lock tests watch it themselves.
 */
export function mutations(calls: ReadonlyArray<{ operation: string }>): string[] {
  return (
    calls
      .map((c) => c.operation)
      // AssumeRole changes nothing either: it only hands out credentials.
      .filter((op) => !/^(Describe|List|Get)/.test(op) && !["PutParameter", "DeleteParameter", "AssumeRole"].includes(op))
  );
}
