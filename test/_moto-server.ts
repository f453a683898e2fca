/**
 * Starts and stops moto_server processes. No vitest imports here: the global
 * setup runs this in vitest's main process, where the test API is unavailable.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { answers, freePort, logTail, LOOPBACK } from "../packages/cli/src/_loopback.js";
import { parseRecording, type MotoCall } from "./_moto-recording.js";

export type { MotoCall };

const HOST = LOOPBACK;
const INSTALL_HINT = "Install it with `pip install 'moto[server]==5.2.1'`.";
const POLL_INTERVAL_MS = 50;
const STOP_TIMEOUT_MS = 5_000;
/** A free port can be taken by another process between our probe and moto's bind. */
const PORT_ATTEMPTS = 3;

export interface MotoOptions {
  /**
   * Load the AWS-managed policies (`arn:aws:iam::aws:policy/…`), which moto
   * only knows with MOTO_IAM_LOAD_MANAGED_POLICIES. Costs ~0.45 s on the
   * first IAM call and ~0.5 s on every reset, so it is off by default.
   */
  managedPolicies?: boolean;
  /** More environment for moto_server, e.g. `{ MOTO_ENABLE_AMI_VALIDATION: "true" }`. */
  env?: Record<string, string>;
  /** How long to wait for the server to answer HTTP. @default 20_000 */
  startTimeoutMs?: number;
  /** The executable to run. @default "moto_server" (from PATH) */
  command?: string;
}

/** What a test needs to reach a running server; plain data, passed from the global setup to workers. */
export interface MotoDescriptor {
  endpoint: string;
  port: number;
  pid: number;
  /** moto_server's stdout and stderr: start-up errors and one line per request. */
  logFile: string;
}

export interface MotoServer extends MotoDescriptor {
  /** Drops every resource (POST /moto-api/reset) and the call recording. */
  reset(): Promise<void>;
  /** HTTP requests that reached the server since the last reset, in order. */
  calls(): Promise<MotoCall[]>;
  /** Stops the server (only its own pid) and removes its files. */
  stop(): Promise<void>;
}

/**
 * Starts `moto_server -H 127.0.0.1 -p <free port>` and resolves once it
 * answers HTTP. Rejects with "moto_server could not start: …" when it is not
 * installed, exits, or stays silent past `startTimeoutMs`.
 */
export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const dir = await mkdtemp(join(tmpdir(), "jiti-moto-"));
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await spawnMoto(await freePort(), dir, options);
      } catch (error) {
        if (!(error instanceof PortTakenError) || attempt === PORT_ATTEMPTS) throw error;
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A server someone else started (the global setup): reset and calls work, stop is theirs. */
export function attachMoto(descriptor: MotoDescriptor): MotoServer {
  return { ...descriptor, ...serverApi(descriptor), stop: async () => {} };
}

/** Checks that an attached server still answers, for a clear error instead of ECONNREFUSED in a test. */
export async function assertAnswering(server: MotoDescriptor): Promise<void> {
  if (await answers(server.endpoint)) return;
  throw new Error(
    `moto_server (pid ${server.pid}) at ${server.endpoint} does not answer. ` +
      `It may have crashed; see ${server.logFile}:\n${logTail(server.logFile, 15, "(no log)")}`,
  );
}

class PortTakenError extends Error {}

type Exit = { code: number | null; signal: NodeJS.Signals | null } | { error: Error };

async function spawnMoto(port: number, dir: string, options: MotoOptions): Promise<MotoServer> {
  const command = options.command ?? "moto_server";
  const endpoint = `http://${HOST}:${port}`;
  const logFile = join(dir, `moto-${port}.log`);
  const recordingFile = join(dir, "recording.jsonl");
  // download-recording fails until the file exists.
  writeFileSync(recordingFile, "");

  // Output goes to a file, not a pipe: moto logs every request, and an
  // undrained pipe would block the server once its buffer fills.
  const log = openSync(logFile, "a");
  const child = spawn(command, ["-H", HOST, "-p", String(port)], {
    stdio: ["ignore", log, log],
    env: {
      ...process.env,
      MOTO_ENABLE_RECORDING: "true",
      MOTO_RECORDER_FILEPATH: recordingFile,
      ...(options.managedPolicies ? { MOTO_IAM_LOAD_MANAGED_POLICIES: "true" } : {}),
      ...options.env,
    },
  });
  closeSync(log);
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", (error) => resolve({ error }));
  });
  let exit: Exit | undefined;
  void exited.then((value) => (exit = value));

  const pid = child.pid;
  if (pid === undefined) throw startError(await exited, command, logFile);
  // Not kept alive by the server; but if this process ends without stop(), take the server with it.
  child.unref();
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
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  // Werkzeug prints "Running on <endpoint>" once moto holds the port: checking
  // for it first means an answer really comes from our server, not from
  // something that took the port after freePort() released it.
  const ready = async () => logTail(logFile, 15, "(no log)").includes(`Running on ${endpoint}`) && (await answers(endpoint));
  while (!(await ready())) {
    if (exit !== undefined) {
      process.off("exit", killOnExit);
      // moto's own message when the port was taken between freePort() and its bind.
      if (logTail(logFile, 15, "(no log)").includes("Address already in use")) throw new PortTakenError();
      throw startError(exit, command, logFile);
    }
    if (Date.now() >= deadline) {
      await stop();
      throw new Error(
        `moto_server could not start: no answer on ${endpoint} within ` + `${options.startTimeoutMs ?? 20_000} ms. ${INSTALL_HINT}`,
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }

  const descriptor = { endpoint, port, pid, logFile };
  return { ...descriptor, ...serverApi(descriptor), stop };
}

function serverApi(server: MotoDescriptor): Pick<MotoServer, "reset" | "calls"> {
  const moto = async (path: string, method: "GET" | "POST") => {
    let response: Response;
    try {
      response = await fetch(`${server.endpoint}${path}`, { method });
    } catch (error) {
      throw new Error(
        `moto_server (pid ${server.pid}) at ${server.endpoint} did not answer ${method} ${path}: ` +
          `${(error as Error).cause ?? error}. See ${server.logFile}.`,
      );
    }
    const body = await response.text();
    if (!response.ok) {
      throw new Error(`moto_server answered ${method} ${path} with HTTP ${response.status}: ${body.slice(0, 500)}`);
    }
    return body;
  };
  return {
    async reset() {
      await moto("/moto-api/reset", "POST");
      await moto("/moto-api/recorder/reset-recording", "POST");
    },
    async calls() {
      return parseRecording(await moto("/moto-api/recorder/download-recording", "GET"));
    },
  };
}

function startError(exit: Exit, command: string, logFile: string): Error {
  if ("error" in exit) {
    const missing = (exit.error as NodeJS.ErrnoException).code === "ENOENT";
    return new Error(`moto_server could not start: ${missing ? `\`${command}\` was not found` : exit.error.message}. ${INSTALL_HINT}`);
  }
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return new Error(`moto_server could not start: \`${command}\` ${how}. ${INSTALL_HINT}\n${logTail(logFile, 15, "(no log)")}`);
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
