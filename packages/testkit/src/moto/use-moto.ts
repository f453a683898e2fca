/**
 * moto_server for tests that touch AWS: the real SDK over HTTP against moto
 * 5.2.1 (see "Testing against a real AWS API" in DESIGN.md).
 *
 *   const moto = useMoto();
 *   test("…", async () => {
 *     const ec2 = new EC2Client({});          // reaches moto through AWS_ENDPOINT_URL
 *     …
 *     expect((await moto.calls()).filter((c) => c.operation === "DescribeVpcs")).toHaveLength(1);
 *   });
 *
 * By default a file shares its worker's server (started by the global setup,
 * global-setup.ts), reset before each of its tests. Options that
 * change how moto runs (managed policies, extra env) get the file a server of
 * its own, started in beforeAll and stopped in afterAll.
 */
import { afterAll, beforeAll, beforeEach, inject } from "vitest";
import { assertAnswering, attachMoto, pointAwsAt, startMoto, type MotoDescriptor, type MotoOptions, type MotoServer } from "./server.js";

/** One entry per vitest worker, indexed by VITEST_POOL_ID - 1. */
export type SharedMoto = MotoDescriptor | { error: string };

declare module "vitest" {
  export interface ProvidedContext {
    jitiMoto: SharedMoto[];
  }
}

/** The server as a test sees it; stopping it is the harness's job. */
export interface MotoHandle extends Omit<MotoServer, "stop"> {
  /** The operations of `calls()` from the `from`th call on, first attempts only (no SDK retries): `["CreateVpc", "CreateTags"]`. */
  operations(from?: number): Promise<string[]>;
}

/**
 * Gives the calling test file a moto_server: connects (or starts) it in
 * beforeAll and points the AWS SDK at it through the environment, resets it
 * before each test, and restores the environment (and stops a server of its
 * own) in afterAll. If moto cannot start, beforeAll throws and every test of
 * the file fails: AWS tests never skip.
 *
 * Call at the top level of the file. Tests of the file must not run
 * concurrently: they share one server and each starts with a reset.
 */
export function useMoto(options: MotoOptions = {}): MotoHandle {
  let server: MotoServer | undefined;
  let restoreEnv: (() => void) | undefined;

  beforeAll(async () => {
    server = await acquire(options);
    restoreEnv = pointAwsAt(server.endpoint);
  });
  beforeEach(async () => {
    await current().reset();
  });
  afterAll(async () => {
    restoreEnv?.();
    await server?.stop();
    server = undefined;
  });

  function current(): MotoServer {
    if (!server) {
      throw new Error("useMoto(): the server exists only inside this file's tests and hooks (it starts in beforeAll).");
    }
    return server;
  }
  return {
    get endpoint() {
      return current().endpoint;
    },
    get port() {
      return current().port;
    },
    get pid() {
      return current().pid;
    },
    get logFile() {
      return current().logFile;
    },
    reset: () => current().reset(),
    calls: () => current().calls(),
    operations: async (from = 0) =>
      (await current().calls())
        .slice(from)
        .filter((c) => c.attempt === 1)
        .map((c) => c.operation),
  };
}

async function acquire(options: MotoOptions): Promise<MotoServer> {
  const ownServer = options.managedPolicies || options.env || options.command;
  const shared = ownServer ? undefined : sharedServer();
  if (!shared) return startMoto(options);
  if ("error" in shared) throw new Error(shared.error);
  await assertAnswering(shared);
  return attachMoto(shared);
}

/** This worker's server from the global setup; undefined when there is none (another config, more workers than servers). */
function sharedServer(): SharedMoto | undefined {
  const servers = inject("jitiMoto") as SharedMoto[] | undefined;
  return servers?.[Number(process.env.VITEST_POOL_ID ?? 1) - 1];
}
