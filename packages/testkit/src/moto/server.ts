/**
 * Starts and stops moto_server processes, through the CLI's own emulator
 * (`@jiti/cli/emulator`), with call recording on. No vitest imports here
 * (`@jiti/testkit/moto-server`): the global setup runs this in vitest's main
 * process, where the test API is unavailable, and the benchmarks run it
 * outside vitest altogether.
 */
import { writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answers, EmulatorError, logTail, startEmulator, type Emulator } from "@jiti/cli/emulator";
import { parseRecording, type MotoCall } from "./recording.js";

export type { MotoCall };

const INSTALL_HINT = "Install it with `pip install 'moto[server]==5.2.1'`.";
const START_TIMEOUT_MS = 20_000;

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
  /** The executable to run. @default JITI_MOTO_SERVER, else "moto_server" from PATH */
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
 * The standard chain settings the AWS SDK (and the `jiti` bin) read, pointing
 * them at a server on `endpoint` with moto's fake credentials, so clients
 * need no test-only config. `undefined` means "unset": whatever the
 * developer's shell holds must not win over these.
 */
export function awsEnvironment(endpoint: string): Record<string, string | undefined> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    // Never wait on the instance metadata service for credentials or region.
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/** Sets the environment `awsEnvironment` describes in this process; returns what puts the old values back. */
export function pointAwsAt(endpoint: string): () => void {
  const settings = awsEnvironment(endpoint);
  const saved = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
  setEnv(settings);
  return () => setEnv(saved);
}

function setEnv(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

/**
 * Starts `moto_server -H 127.0.0.1 -p <free port>` and resolves once it
 * answers HTTP. Rejects with "moto_server could not start: …" when it is not
 * installed, exits, or stays silent past `startTimeoutMs`.
 */
export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const dir = await mkdtemp(join(tmpdir(), "jiti-moto-"));
  const recordingFile = join(dir, "recording.jsonl");
  // download-recording fails until the file exists.
  writeFileSync(recordingFile, "");
  let emulator: Emulator;
  try {
    emulator = await startEmulator({
      command: options.command,
      startTimeoutMs: options.startTimeoutMs ?? START_TIMEOUT_MS,
      env: {
        MOTO_ENABLE_RECORDING: "true",
        MOTO_RECORDER_FILEPATH: recordingFile,
        ...(options.managedPolicies ? { MOTO_IAM_LOAD_MANAGED_POLICIES: "true" } : {}),
        ...options.env,
      },
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error instanceof EmulatorError ? startError(error) : error;
  }
  const { endpoint, port, pid, logFile } = emulator;
  const descriptor = { endpoint, port, pid, logFile };
  const stop = async () => {
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  };
  return { ...descriptor, ...serverApi(descriptor), stop };
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

/** The emulator's failure in the harness's words: tests read "moto_server could not start", with the version to install. */
function startError(error: EmulatorError): Error {
  const { command, failure, log } = error;
  const because = (what: string, tail = "") => new Error(`moto_server could not start: ${what}. ${INSTALL_HINT}${tail ? `\n${tail}` : ""}`);
  switch (failure.kind) {
    case "not-installed":
      return because(`\`${command}\` was not found`);
    case "spawn-failed":
      return because(failure.message);
    case "exited":
      return because(`\`${command}\` ${failure.signal ? `was killed by ${failure.signal}` : `exited with code ${failure.code}`}`, log);
    case "no-answer":
      return because(`no answer on ${failure.endpoint} within ${failure.timeoutMs} ms`);
  }
}
