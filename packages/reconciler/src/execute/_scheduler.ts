/** What the scheduler needs of a step: an id, and the ids of the steps it waits for. */
export interface Task {
  id: string;
  deps: ReadonlySet<string>;
}

export interface Schedule<T extends Task> {
  /** How many steps run at once (at least one). */
  concurrency: number;
  /** Once aborted, no further step starts; steps in flight finish. */
  signal: AbortSignal;
  /**
   * Starts a step. It calls `finished(true)` when the step completed and
   * `finished(false)` when it failed, from the same callback that reports it,
   * so that the skips a failure causes follow its report at once.
   */
  start(step: T, finished: (completed: boolean) => void): Promise<void>;
  /** A step that will not run: something it waits for failed or was skipped, or the run stopped first. */
  skip(step: T, why: string): void;
}

/**
 * Runs steps as a DAG with bounded concurrency. A failure skips only the
 * steps that depend on it, transitively; all independent work finishes.
 * Resolves with the number of steps that never started (the run was aborted).
 */
export async function runSteps<T extends Task>(all: ReadonlyMap<string, T>, schedule: Schedule<T>): Promise<number> {
  const concurrency = Math.max(1, schedule.concurrency);
  const { signal } = schedule;
  const notStarted = new Set(all.keys());
  const running = new Set<Promise<void>>();
  // Steps that failed or were skipped: what waits for them is skipped.
  const blocked = new Set<string>();

  // Runnable steps wait in a queue; each step counts the dependencies it still
  // waits for, so scheduling stays linear in the number of steps and edges.
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  const runnable: string[] = [];
  for (const step of all.values()) {
    waitingOn.set(step.id, step.deps.size);
    for (const d of step.deps) {
      const list = dependents.get(d);
      if (list) list.push(step.id);
      else dependents.set(d, [step.id]);
    }
    if (step.deps.size === 0) runnable.push(step.id);
  }

  // A step finished (or was skipped): its dependents wait for one step fewer, or are skipped in turn.
  const release = (id: string) => {
    for (const next of dependents.get(id) ?? []) {
      if (!notStarted.has(next)) continue;
      if (blocked.has(id)) {
        notStarted.delete(next);
        blocked.add(next);
        schedule.skip(all.get(next)!, `skipped because "${id}" did not complete`);
        release(next);
        continue;
      }
      const left = waitingOn.get(next)! - 1;
      waitingOn.set(next, left);
      if (left === 0) runnable.push(next);
    }
  };
  const start = (step: T) => {
    const p: Promise<void> = schedule
      .start(step, (completed) => {
        if (!completed) blocked.add(step.id);
        release(step.id);
      })
      .finally(() => running.delete(p));
    running.add(p);
  };

  for (;;) {
    while (runnable.length > 0 && running.size < concurrency && !signal.aborted) {
      const id = runnable.shift()!;
      if (!notStarted.delete(id)) continue;
      start(all.get(id)!);
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  const count = notStarted.size;
  for (const id of notStarted) schedule.skip(all.get(id)!, signal.aborted ? "interrupted before it started" : "not started");
  return count;
}
