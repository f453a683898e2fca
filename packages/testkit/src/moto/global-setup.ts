/**
 * Starts one moto_server per vitest worker before any test file runs, and
 * stops them (by their own pids) after the run. Why one per worker: see
 * vitest.config.ts. A server that fails to start is handed on as its error,
 * so that the files using moto fail with it while the other tests still run.
 */
import { availableParallelism } from "node:os";
import type { TestProject } from "vitest/node";
import { startMoto, type MotoServer } from "./server.js";
import type { SharedMoto } from "./use-moto.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const results = await Promise.allSettled(Array.from({ length: workerCount(project) }, () => startMoto()));
  const started: MotoServer[] = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));

  project.provide(
    "jitiMoto",
    results.map((result): SharedMoto => {
      if (result.status === "rejected") return { error: (result.reason as Error).message };
      const { endpoint, port, pid, logFile } = result.value;
      return { endpoint, port, pid, logFile };
    }),
  );

  return async () => {
    await Promise.all(started.map((server) => server.stop()));
  };
}

/**
 * How many workers vitest will run: the rule of its resolveMaxWorkers when
 * maxWorkers is not configured. If this ever falls short, the extra workers'
 * files start servers of their own (useMoto), so a mismatch costs time only.
 */
function workerCount(project: TestProject): number {
  const configured = project.config.maxWorkers || project.vitest.config.maxWorkers;
  if (configured) return configured;
  const cpus = availableParallelism();
  return Math.max(project.vitest.config.watch ? Math.floor(cpus / 2) : cpus - 1, 1);
}
