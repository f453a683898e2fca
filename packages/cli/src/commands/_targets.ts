import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { ArgsDef } from "citty";
import type { Cli } from "../cli.js";
import { CliError } from "../cli-error.js";
import { ROLE_ARN } from "../options.js";

/**
 * `--targets FILE`: one stack, many account/region targets. Each target runs
 * as a `jiti` process of its own (this very CLI, with `--json`), so that its
 * credentials, lock, retries and failure are its own, and at most
 * `--parallel` at once; one failing stops none of the others. At the end, a
 * table: target, what changed, the result, how long it took.
 */
export const targetsArgs = {
  targets: {
    type: "string",
    valueHint: "file",
    description: "Run for every account/region target in this JSON file ({ targets: [{ name, region, role?, env?, tags? }] })",
  },
  parallel: { type: "string", default: "4", valueHint: "n", description: "With --targets: how many targets run at once" },
} as const satisfies ArgsDef;

/** One place a stack is deployed to. */
export interface Target {
  name: string;
  region: string;
  role?: string;
  externalId?: string;
  env?: string;
  tags?: Record<string, string>;
}

type Command = "plan" | "render" | "destroy";

interface Outcome {
  target: Target;
  code: number;
  summary?: { create: number; update: number; replace: number; delete: number };
  error?: string;
  seconds: number;
}

/** Flags that every target's run takes over as given. */
const PASSED = ["profile", "endpoint", "concurrency", "stack", "refresh-attrs", "detailed-exitcode", "yes"] as const;

export async function runTargets(cli: Cli, command: Command, flags: Record<string, unknown>): Promise<number> {
  const file = String(flags.targets);
  const targets = readTargets(file);
  const parallel = Number(flags.parallel ?? 4);
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new CliError(`--parallel must be a whole number from 1 (found: ${String(flags.parallel)})`, "Use --parallel 4, the default");
  if (flags.journal !== undefined)
    throw new CliError(
      "--journal cannot be given with --targets: every target would write the same file",
      "Run the targets one by one with --journal, or drop it",
    );
  if (flags.local)
    throw new CliError("--local cannot be given with --targets: a temporary emulator has no accounts to target", "Drop --local");
  for (const flag of ["region", "assume-role", "external-id", "env", "tags"])
    if (flags[flag] !== undefined && !(flag === "env" && flags[flag] === "dev"))
      throw new CliError(
        `--${flag} cannot be given with --targets: each target sets its own`,
        `Set it per target in ${file}, or drop --targets`,
      );
  if (command !== "plan" && !flags.yes)
    throw new CliError(
      `jiti ${command} --targets changes every target without asking one by one, so it needs --yes`,
      `Review the changes with \`jiti plan --targets ${file}\`, then run \`jiti ${command} --targets ${file} --yes\``,
    );
  const { ui } = cli;
  ui.print(`jiti ${command} for ${targets.length} targets from ${file}, ${Math.min(parallel, targets.length)} at a time:\n`);
  const outcomes: Outcome[] = new Array(targets.length);
  // Ctrl-C or a CI cancel: no new target starts, and the running ones get the signal, as a single run would.
  const children = new Set<ChildProcess>();
  let stopped: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals) => {
    stopped ??= signal;
    for (const child of children) child.kill(signal);
  };
  process.on("SIGINT", stop).on("SIGTERM", stop);
  let next = 0;
  const worker = async () => {
    while (next < targets.length && !stopped) {
      const i = next++;
      const outcome = await runOne(command, targets[i]!, flags, children);
      outcomes[i] = outcome;
      const c = ui.out.c;
      const mark = failed(outcome, flags) ? c.red("✗") : c.green("✓");
      ui.print(`${mark} ${outcome.target.name}: ${resultText(command, outcome, flags)} (${outcome.seconds.toFixed(1)}s)`);
      ui.emit("target", {
        target: outcome.target,
        code: outcome.code,
        summary: outcome.summary ?? null,
        error: outcome.error ?? null,
        seconds: outcome.seconds,
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, targets.length) }, worker));
  } finally {
    process.off("SIGINT", stop).off("SIGTERM", stop);
  }
  ui.print(`\n${table(command, outcomes.filter(Boolean), flags)}`);
  const failures = outcomes.filter((o) => failed(o, flags));
  ui.emit("result", { ok: failures.length === 0, targets: outcomes.length, failed: failures.map((o) => o.target.name) });
  if (stopped)
    throw Object.assign(
      new CliError(
        `jiti ${command} --targets was stopped by ${stopped}`,
        "The targets that had started were stopped as a single run is; run the command again for every target",
      ),
      { exitCode: stopped === "SIGINT" ? 130 : 143 },
    );
  if (failures.length > 0) {
    throw Object.assign(
      new CliError(
        `jiti ${command} failed for ${failures.length} of ${outcomes.length} targets: ${failures.map((o) => o.target.name).join(", ")}`,
        "The other targets are done. What succeeded is kept, and re-running is safe: run the same command again, or with a --targets file of the failed ones",
      ),
      { exitCode: 1 },
    );
  }
  return flags["detailed-exitcode"] && outcomes.some((o) => o.code === 2) ? 2 : 0;
}

/** The targets file, checked whole: every problem at once, each with where it is. */
export function readTargets(file: string): Target[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new CliError(
      `cannot read the targets file ${file}: ${(error as Error).message}`,
      'Give a JSON file: { "targets": [{ "name": "prod-eu", "region": "eu-west-1" }] }',
    );
  }
  const list = Array.isArray(value) ? value : (value as { targets?: unknown } | null)?.targets;
  if (!Array.isArray(list) || list.length === 0)
    throw new CliError(
      `${file} lists no targets`,
      'Write { "targets": [{ "name": "prod-eu", "region": "eu-west-1", "role": "arn:aws:iam::123456789012:role/deploy" }] }',
    );
  const problems: string[] = [];
  const names = new Set<string>();
  const targets = list.map((raw: unknown, i): Target => {
    const at = `targets[${i}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      problems.push(`${at} must be an object with name and region`);
      return { name: "", region: "" };
    }
    const t = raw as Record<string, unknown>;
    for (const key of Object.keys(t))
      if (!["name", "region", "role", "externalId", "env", "tags"].includes(key))
        problems.push(`${at} has an unknown key "${key}" (known: name, region, role, externalId, env, tags)`);
    if (typeof t.name !== "string" || !/^[\w.-]+$/.test(t.name))
      problems.push(`${at}.name must be letters, digits, '.', '_' or '-' (found: ${JSON.stringify(t.name)})`);
    else if (names.has(t.name)) problems.push(`${at}.name "${t.name}" is used twice: each target needs its own`);
    else names.add(t.name);
    if (typeof t.region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(t.region))
      problems.push(`${at}.region must be an AWS region such as "eu-west-1" (found: ${JSON.stringify(t.region)})`);
    if (t.role !== undefined && (typeof t.role !== "string" || !ROLE_ARN.test(t.role)))
      problems.push(
        `${at}.role must be an IAM role's ARN such as "arn:aws:iam::123456789012:role/deploy" (found: ${JSON.stringify(t.role)})`,
      );
    if (t.externalId !== undefined && typeof t.externalId !== "string")
      problems.push(`${at}.externalId must be a string (found: ${JSON.stringify(t.externalId)})`);
    else if (t.externalId !== undefined && t.role === undefined)
      problems.push(`${at}.externalId is for a role, and the target names none: add the role, or drop externalId`);
    if (t.env !== undefined && typeof t.env !== "string") problems.push(`${at}.env must be a string (found: ${JSON.stringify(t.env)})`);
    if (
      t.tags !== undefined &&
      (typeof t.tags !== "object" || t.tags === null || Array.isArray(t.tags) || !Object.values(t.tags).every((v) => typeof v === "string"))
    )
      problems.push(`${at}.tags must map tag keys to strings`);
    return t as unknown as Target;
  });
  if (problems.length > 0)
    throw new CliError(
      `${file} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
      "Fix them and run again: no target was run",
    );
  return targets;
}

/** One target's run: this CLI again, as a process of its own, with --json. */
function runOne(command: Command, target: Target, flags: Record<string, unknown>, children: Set<ChildProcess>): Promise<Outcome> {
  const args = [process.argv[1]!, command, ...(typeof flags.file === "string" ? [flags.file] : []), "--json", "--region", target.region];
  if (target.env) args.push("--env", target.env);
  if (target.role) args.push("--assume-role", target.role);
  if (target.externalId) args.push("--external-id", target.externalId);
  if (target.tags) args.push("--tags", JSON.stringify(target.tags));
  for (const flag of PASSED) {
    const value = flags[flag];
    if (value === true) args.push(`--${flag}`);
    else if (typeof value === "string") args.push(`--${flag}`, value);
  }
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...args], { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    children.add(child);
    const outcome: Outcome = { target, code: 1, seconds: 0 };
    createInterface({ input: child.stdout }).on("line", (line) => {
      let event: { kind?: string; summary?: Outcome["summary"]; plan?: { summary?: Outcome["summary"] }; message?: string };
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        return;
      }
      // A plan's counts are what a plan shows; an apply's, only once it has applied them.
      if (command === "plan" && event.kind === "plan" && event.plan?.summary) outcome.summary = event.plan.summary;
      if (command !== "plan" && event.kind === "result" && event.summary) outcome.summary = event.summary;
      if (event.kind === "error") outcome.error = event.message ?? "failed";
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.once("error", (error) => resolve({ ...outcome, error: error.message, seconds: (Date.now() - started) / 1000 }));
    child.once("close", (code) => {
      children.delete(child);
      const done = { ...outcome, code: code ?? 1, seconds: (Date.now() - started) / 1000 };
      if (failed(done, flags) && !done.error) done.error = stderr.trim().split("\n")[0] || `exited with code ${done.code}`;
      resolve(done);
    });
  });
}

function changesText(summary: Outcome["summary"]): string {
  if (!summary) return "";
  const { create, update, replace, delete: del } = summary;
  return create + update + replace + del === 0
    ? "no changes"
    : `${create} to create, ${update} to update, ${replace} to replace, ${del} to delete`;
}

/** A target's run failed: any exit but 0, and but 2 from plan --detailed-exitcode (changes). */
function failed(o: Outcome, flags: Record<string, unknown>): boolean {
  return o.code !== 0 && !(o.code === 2 && flags["detailed-exitcode"] === true);
}

function resultText(command: Command, o: Outcome, flags: Record<string, unknown>): string {
  if (failed(o, flags)) return `failed: ${firstLine(o.error ?? "failed")}`;
  const changes = changesText(o.summary);
  return command === "plan"
    ? changes || "planned"
    : `${command === "destroy" ? "destroyed" : "applied"}${changes ? `: ${changes.replaceAll(" to ", " ")}` : ""}`;
}

/** The line that says what went wrong: under a heading such as "The stack has 1 problem:", its first item. */
function firstLine(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const first = lines[0] ?? "failed";
  return first.endsWith(":") && lines[1] ? lines[1].replace(/^[-✗•]\s*/, "") : first;
}

function table(command: Command, outcomes: readonly Outcome[], flags: Record<string, unknown>): string {
  const rows = [
    ["target", "region", "account", command === "plan" ? "changes" : "changes made", "result", "time"],
    ...outcomes.map((o) => [
      o.target.name,
      o.target.region,
      /::(\d{12}):/.exec(o.target.role ?? "")?.[1] ?? "(own)",
      changesText(o.summary) || "-",
      failed(o, flags) ? `failed: ${firstLine(o.error ?? "failed")}` : "ok",
      `${o.seconds.toFixed(1)}s`,
    ]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
