import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CliError } from "./cli-error.js";
import { answers, freePort, logTail, LOOPBACK } from "./_loopback.js";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from "./options.js";

/** A local AWS emulator (moto_server) this process started. */
export interface Emulator {
  endpoint: string;
  pid: number;
  /** What a shell needs to point the AWS SDK and CLI at it. */
  env: Record<string, string>;
  /** Stops it (its own pid only) and removes its log. */
  stop(): Promise<void>;
}

const HOST = LOOPBACK;
const START_TIMEOUT_MS = 30_000;
const INSTALL = "Install it with `pip install 'moto[server]'` (Python 3), then check that `moto_server --help` runs";

/**
 * Starts `moto_server` on a free loopback port and resolves once it answers.
 * It keeps everything in memory: nothing persists after it stops.
 */
export async function startEmulator(command = process.env.JITI_MOTO_SERVER ?? "moto_server"): Promise<Emulator> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnEmulator(command, await freePort());
    } catch (error) {
      // Another process may take the port between our probe and moto's bind.
      if (!(error instanceof PortTaken) || attempt === 3) throw error;
    }
  }
}

class PortTaken extends Error {}

async function spawnEmulator(command: string, port: number): Promise<Emulator> {
  const endpoint = `http://${HOST}:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "jiti-local-"));
  const logFile = join(dir, "moto.log");
  // A file, not a pipe: moto logs every request, and a full pipe would block it.
  const log = openSync(logFile, "a");
  const child = spawn(command, ["-H", HOST, "-p", String(port)], { stdio: ["ignore", log, log] });
  closeSync(log);
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = signal ? `was stopped by ${signal}` : `exited with code ${code}`;
      resolve();
    });
    child.once("error", (error) => {
      exit = (error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : error.message;
      resolve();
    });
  });
  // If jiti ends without stopping it (an uncaught error), take it along.
  const killOnExit = () => child.kill("SIGTERM");
  process.once("exit", killOnExit);

  const stop = async () => {
    process.off("exit", killOnExit);
    if (exit === undefined) {
      child.kill("SIGTERM");
      const timeout = sleep(5_000).then(() => "timeout" as const);
      if ((await Promise.race([exited, timeout])) === "timeout") child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await answers(endpoint, 1_000))) {
    if (exit !== undefined) {
      const tail = logTail(logFile, 10);
      await stop();
      if (tail.includes("Address already in use")) throw new PortTaken();
      if (exit === "not found") throw new CliError(`the local AWS emulator \`${command}\` is not installed`, INSTALL);
      throw new CliError(`the local AWS emulator \`${command}\` ${exit}${tail ? `:\n${tail}` : ""}`, INSTALL);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new CliError(
        `the local AWS emulator did not answer on ${endpoint} within ${START_TIMEOUT_MS / 1000} s`,
        "Try again, or start moto_server yourself and pass --endpoint",
      );
    }
    await sleep(100);
  }
  return {
    endpoint,
    pid: child.pid!,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
      AWS_REGION: EMULATOR_REGION,
    },
    stop,
  };
}
