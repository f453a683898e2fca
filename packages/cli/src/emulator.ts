/**
 * A local AWS emulator (moto_server), started the one way jiti starts it:
 * for `jiti local`, `jiti render --local`, and the test harness
 * (`@jiti/cli/emulator`, which @jiti/testkit builds on).
 */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CliError } from "./cli-error.js";
import { answers, freePort, logTail, LOOPBACK } from "./_loopback.js";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from "./options.js";

/** For checking a server this process did not start (the test harness's shared one). */
export { answers, logTail };

export interface EmulatorOptions {
  /** The moto_server executable. @default JITI_MOTO_SERVER, else `moto_server` from PATH */
  command?: string;
  /** More environment for moto_server, over this process's own: `MOTO_ENABLE_RECORDING`, `MOTO_IAM_LOAD_MANAGED_POLICIES`… */
  env?: Record<string, string>;
  /** How long to wait for it to answer. @default 30_000 */
  startTimeoutMs?: number;
}

/** A local AWS emulator this process started. It keeps everything in memory: nothing persists after it stops. */
export interface Emulator {
  endpoint: string;
  port: number;
  pid: number;
  /** moto_server's stdout and stderr: start-up errors, then one line per request. Removed by stop(). */
  logFile: string;
  /** What a shell needs to point the AWS SDK and CLI at it. */
  env: Record<string, string>;
  /** Stops it (its own pid only: SIGTERM, then SIGKILL if it lingers) and removes its files. */
  stop(): Promise<void>;
}

/** Why the emulator did not start, for callers that word it their own way (the test harness). */
export type EmulatorFailure =
  | { kind: "not-installed" }
  | { kind: "spawn-failed"; message: string }
  | { kind: "exited"; code: number | null; signal: NodeJS.Signals | null }
  | { kind: "no-answer"; endpoint: string; timeoutMs: number };

export class EmulatorError extends CliError {
  constructor(
    readonly command: string,
    readonly failure: EmulatorFailure,
    /** The last lines moto_server wrote ("" when none), read before its files were removed. */
    readonly log: string,
  ) {
    super(...explain(command, failure, log));
  }
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const POLL_INTERVAL_MS = 50;
/** A free port can be taken by another process between our probe and moto's bind. */
const PORT_ATTEMPTS = 3;
const INSTALL = "Install it with `pip install 'moto[server]'` (Python 3), then check that `moto_server --help` runs";

/**
 * Starts moto_server on a free loopback port and resolves once it answers.
 * While it runs it keeps this process alive (`jiti local` lasts as long as
 * its emulator); if this process exits without stop(), it is killed too.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const command = options.command ?? process.env.JITI_MOTO_SERVER ?? "moto_server";
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnEmulator(command, await freePort(), options);
    } catch (error) {
      if (!portTaken(error) || attempt === PORT_ATTEMPTS) throw error;
    }
  }
}

type Exit = { code: number | null; signal: NodeJS.Signals | null } | { error: NodeJS.ErrnoException };

async function spawnEmulator(command: string, port: number, options: EmulatorOptions): Promise<Emulator> {
  const endpoint = `http://${LOOPBACK}:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "jiti-emulator-"));
  const logFile = join(dir, "moto.log");
  // A file, not a pipe: moto logs every request, and an undrained pipe would block it once its buffer fills.
  const log = openSync(logFile, "a");
  const child = spawn(command, ["-H", LOOPBACK, "-p", String(port)], {
    stdio: ["ignore", log, log],
    env: { ...process.env, ...options.env },
  });
  closeSync(log);
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    const settle = (value: Exit) => resolve((exit ??= value));
    child.once("exit", (code, signal) => settle({ code, signal }));
    child.once("error", (error) => settle({ error }));
  });
  const killOnExit = () => child.kill("SIGTERM");
  process.once("exit", killOnExit);

  const stop = async () => {
    process.off("exit", killOnExit);
    if (exit === undefined) {
      child.kill("SIGTERM");
      if ((await within(exited, STOP_TIMEOUT_MS)) === undefined) {
        child.kill("SIGKILL");
        await exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const failed = async (failure: EmulatorFailure) => {
    const tail = logTail(logFile);
    await stop();
    return new EmulatorError(command, failure, tail);
  };

  const timeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  // Werkzeug prints "Running on <endpoint>" once moto holds the port: checking
  // for it first means an answer really comes from our server, not from
  // something that took the port after freePort() let it go.
  const ready = async () => logTail(logFile).includes(`Running on ${endpoint}`) && (await answers(endpoint, 1_000));
  while (!(await ready())) {
    if (exit !== undefined) throw await failed(failureOf(exit));
    if (Date.now() > deadline) throw await failed({ kind: "no-answer", endpoint, timeoutMs });
    await sleep(POLL_INTERVAL_MS);
  }
  await warm(endpoint);
  return {
    endpoint,
    port,
    pid: child.pid!,
    logFile,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
      AWS_REGION: EMULATOR_REGION,
    },
    stop,
  };
}

/**
 * One cheap read of each service a run calls, so that moto loads their
 * backends now rather than during the user's first plan: EC2's alone takes
 * about 2 s on its first call, every later one a few milliseconds. moto
 * routes by the service named in the credential scope and checks no
 * signature. Best effort: a service that does not answer is loaded later.
 */
const WARM_UP: readonly { service: string; body: string; target?: string }[] = [
  { service: "ec2", body: "Action=DescribeVpcs&Version=2016-11-15" },
  { service: "iam", body: "Action=ListRoles&Version=2010-05-08" },
  { service: "sts", body: "Action=GetCallerIdentity&Version=2011-06-15" },
  { service: "ssm", body: "{}", target: "AmazonSSM.DescribeParameters" },
];

async function warm(endpoint: string): Promise<void> {
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, "");
  await Promise.all(
    WARM_UP.map(({ service, body, target }) =>
      fetch(endpoint, {
        method: "POST",
        body,
        signal: AbortSignal.timeout(START_TIMEOUT_MS),
        headers: {
          authorization: `AWS4-HMAC-SHA256 Credential=${EMULATOR_CREDENTIALS.accessKeyId}/${date}/${EMULATOR_REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
          ...(target
            ? { "x-amz-target": target, "content-type": "application/x-amz-json-1.1" }
            : { "content-type": "application/x-www-form-urlencoded" }),
        },
      }).then(
        (response) => response.arrayBuffer(),
        () => undefined,
      ),
    ),
  );
}

function failureOf(exit: Exit): EmulatorFailure {
  if (!("error" in exit)) return { kind: "exited", code: exit.code, signal: exit.signal };
  return exit.error.code === "ENOENT" ? { kind: "not-installed" } : { kind: "spawn-failed", message: exit.error.message };
}

/** moto's own words when the port was taken between freePort() and its bind: it has no exit code of its own for it. */
function portTaken(error: unknown): boolean {
  return error instanceof EmulatorError && error.failure.kind === "exited" && error.log.includes("Address already in use");
}

function explain(command: string, failure: EmulatorFailure, log: string): [message: string, hint: string] {
  const tail = log.split("\n").slice(-10).join("\n");
  switch (failure.kind) {
    case "not-installed":
      return [`the local AWS emulator \`${command}\` is not installed`, INSTALL];
    case "spawn-failed":
      return [`the local AWS emulator \`${command}\` ${failure.message}${tail ? `:\n${tail}` : ""}`, INSTALL];
    case "exited": {
      const how = failure.signal ? `was stopped by ${failure.signal}` : `exited with code ${failure.code}`;
      return [`the local AWS emulator \`${command}\` ${how}${tail ? `:\n${tail}` : ""}`, INSTALL];
    }
    case "no-answer":
      return [
        `the local AWS emulator did not answer on ${failure.endpoint} within ${failure.timeoutMs / 1000} s`,
        "Try again, or start moto_server yourself and pass --endpoint",
      ];
  }
}

/** `promise`'s value, or undefined after `ms`; the timer does not outlive the promise. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  const timer = new AbortController();
  try {
    return await Promise.race([promise, sleep(ms, undefined, { signal: timer.signal })]);
  } finally {
    timer.abort();
  }
}
