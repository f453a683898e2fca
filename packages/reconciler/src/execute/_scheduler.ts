/** What the scheduler needs of a step: an id, and the ids of the steps it waits for. */
export interface Task {
  id: string;
  deps: ReadonlySet<string>;
  /**
   * The rest of a step that has run (a create's configure): it still starts
   * once the run is stopped, so that what was in flight is left whole.
   */
  continues?: boolean;
}

export interface Schedule<T extends Task> {
  /** How many steps are at work at once (at least one); a step that only waits is not at work. */
  concurrency: number;
  /** Once aborted, no further step starts; steps in flight finish. */
  signal: AbortSignal;
  /**
   * Starts a step. It calls `finished(true)` when the step completed and
   * `finished(false)` when it failed, from the same callback that reports it,
   * so that the skips a failure causes follow its report at once. While it
   * awaits `idle(wait)`, the step gives its place up to another, and takes
   * one back (before any step not yet started) once `wait` has settled.
   */
  start(step: T, finished: (completed: boolean) => void, idle: <R>(wait: Promise<R>) => Promise<R>): Promise<void>;
  /**
   * A step that will not run: `cause`, a step it waits for, failed or was
   * skipped; or, without one, the run stopped first.
   */
  skip(step: T, why: string, cause?: string): void;
}

/**
 * Runs steps as a DAG with bounded concurrency. A failure skips only the
 * steps that depend on it, transitively; all independent work finishes.
 * Resolves with the steps that never started (the run was aborted).
 */
export async function runSteps<T extends Task>(all: ReadonlyMap<string, T>, schedule: Schedule<T>): Promise<T[]> {
  const concurrency = Math.max(1, schedule.concurrency);
  const { signal } = schedule;
  const notStarted = new Set(all.keys());
  // Steps started and not finished; of them, `working` hold a place.
  let inFlight = 0;
  let working = 0;
  // Steps whose wait has ended, each waiting for a place back: they go before new steps.
  const resuming: Array<() => void> = [];
  // Steps that failed or were skipped: what waits for them is skipped.
  const blocked = new Set<string>();

  // Each step counts the dependencies it still waits for, so scheduling stays
  // linear in the number of steps and edges (and a log for the queue).
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const step of all.values()) {
    waitingOn.set(step.id, step.deps.size);
    for (const d of step.deps) {
      const list = dependents.get(d);
      if (list) list.push(step.id);
      else dependents.set(d, [step.id]);
    }
  }
  // When more steps could run than may, the one heading the longest chain
  // of steps still to come goes first: it is what the apply's end waits for.
  const runnable = new StepQueue(chainLengths(all.keys(), dependents));
  for (const step of all.values()) if (step.deps.size === 0) runnable.push(step.id);

  let allDone!: () => void;
  let broke!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => ((allDone = resolve), (broke = reject)));

  // A step finished (or was skipped): its dependents wait for one step fewer, or are skipped in turn.
  const release = (id: string) => {
    for (const next of dependents.get(id) ?? []) {
      if (!notStarted.has(next)) continue;
      if (blocked.has(id)) {
        notStarted.delete(next);
        blocked.add(next);
        schedule.skip(all.get(next)!, `skipped because "${id}" did not complete`, id);
        release(next);
        continue;
      }
      const left = waitingOn.get(next)! - 1;
      waitingOn.set(next, left);
      if (left === 0) runnable.push(next);
    }
  };
  // Hands free places out: to steps coming back from a wait first, then to runnable steps.
  const fill = () => {
    while (working < concurrency && resuming.length > 0) {
      working++;
      resuming.shift()!();
    }
    while (working < concurrency && runnable.length > 0) {
      const id = runnable.pop()!;
      // Once stopped, only the rest of what ran starts; the others stay not started.
      if (signal.aborted && !all.get(id)!.continues) continue;
      if (!notStarted.delete(id)) continue;
      start(all.get(id)!);
    }
    if (inFlight === 0) allDone();
  };
  const start = (step: T) => {
    inFlight++;
    working++;
    // Waits of one step may overlap (parallel reads inside it): it holds no place while any is pending.
    let waits = 0;
    const idle = async <R>(wait: Promise<R>): Promise<R> => {
      if (waits++ === 0) {
        working--;
        fill();
      }
      try {
        return await wait;
      } finally {
        if (--waits === 0) await new Promise<void>((back) => (resuming.push(back), fill()));
      }
    };
    void schedule
      .start(
        step,
        (completed) => {
          if (!completed) blocked.add(step.id);
          release(step.id);
        },
        idle,
      )
      .finally(() => {
        inFlight--;
        working--;
        fill();
      })
      // A step reports its own failure through `finished`; this is a fault of the scheduler's caller.
      .catch(broke);
  };

  fill();
  await done;
  const left = [...notStarted].map((id) => all.get(id)!);
  for (const step of left) schedule.skip(step, signal.aborted ? "interrupted before it started" : "not started");
  return left;
}

/** Each step's longest chain of dependents, itself included: how many steps in a row still wait for it. */
function chainLengths(ids: Iterable<string>, dependents: ReadonlyMap<string, readonly string[]>): Map<string, number> {
  const lengths = new Map<string, number>();
  // Iterative depth-first, so that a chain of thousands of steps cannot overflow the stack.
  for (const root of ids) {
    if (lengths.has(root)) continue;
    const stack: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    // A step already on the way down is not entered again (steps() has ruled out cycles; this only keeps the walk finite).
    const entered = new Set([root]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const after = dependents.get(top.id) ?? [];
      if (top.next < after.length) {
        const child = after[top.next++]!;
        if (!lengths.has(child) && !entered.has(child)) {
          entered.add(child);
          stack.push({ id: child, next: 0 });
        }
        continue;
      }
      lengths.set(top.id, 1 + after.reduce((most, d) => Math.max(most, lengths.get(d) ?? 0), 0));
      stack.pop();
    }
  }
  return lengths;
}

/** Runnable steps, longest chain first, then in the order they became runnable. */
class StepQueue {
  private readonly heap: Array<{ id: string; length: number; order: number }> = [];
  private added = 0;
  constructor(private readonly lengths: ReadonlyMap<string, number>) {}

  get length(): number {
    return this.heap.length;
  }

  push(id: string): void {
    const heap = this.heap;
    heap.push({ id, length: this.lengths.get(id) ?? 1, order: this.added++ });
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): string | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top?.id;
    heap[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < heap.length && this.before(l, best)) best = l;
      if (r < heap.length && this.before(r, best)) best = r;
      if (best === i) break;
      [heap[i], heap[best]] = [heap[best]!, heap[i]!];
      i = best;
    }
    return top.id;
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.length !== y.length ? x.length > y.length : x.order < y.order;
  }
}
