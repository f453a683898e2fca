import type { ParticleContext } from "@jiti/reconciler/particle";

/** A read of one resource by id, shared with the reads asked for at about the same moment. */
export interface BatchedRead<T> {
  (id: string): Promise<T | undefined>;
  /**
   * Says that a read is on its way: a write now starting (a launch, a
   * termination) whose wait follows. The reads already asked for are held
   * until it joins them, so that the waits of writes ending one after
   * another share one call. Call the returned function once the write has
   * answered, with the id that will be read, or with nothing when no read
   * will follow (the write failed). Reads are held at most MAX_HOLD_MS: an
   * announced read that never comes costs only that.
   */
  expect(): (id?: string) => void;
}

/**
 * Reads of one kind asked for at about the same moment become one call: the
 * 32 instances of an apply waiting to run cost one DescribeInstances a round
 * rather than one each. Pass a `read` that looks ids up with a filter
 * (`instance-id`), not the ids parameter, so that an id AWS does not show
 * yet (eventual consistency) is missing from the answer rather than failing
 * the call for every id in it.
 */
export function batchedRead<T>(
  ctx: ParticleContext,
  kind: string,
  read: (ids: string[]) => Promise<ReadonlyMap<string, T>>,
): BatchedRead<T> {
  const key = `aws.batch.${kind}`;
  let batcher = ctx.cache.get(key) as Batcher<T> | undefined;
  if (!batcher) ctx.cache.set(key, (batcher = new Batcher(read)));
  const b = batcher;
  // Waiting for a batch (and its one call) is waiting: the step's place goes to another meanwhile.
  return Object.assign((id: string) => ctx.idle(b.get(id)), { expect: () => b.expect() });
}

/** How long a read waits for others to join it: short beside an AWS call (50–300 ms). */
const WINDOW_MS = 10;
/**
 * How long reads wait at most for an expected one: about one write's time
 * on AWS (RunInstances, TerminateInstances: 0.5–2 s), short beside what the
 * reads wait for (an instance running or terminated: 10–60 s).
 */
const MAX_HOLD_MS = 2_000;
/** How long an announced write may take at most before its read is no longer waited for. */
const WRITE_MS = 120_000;
/** EC2 takes at most 200 values in one filter. */
const MAX_IDS = 200;

class Batcher<T> {
  private waiting = new Map<string, Array<{ resolve: (value: T | undefined) => void; reject: (error: unknown) => void }>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the oldest read now waiting was asked for. */
  private since = 0;
  /** Reads announced by `expect` and not asked for yet: by the write still answering, or by the id to be read. */
  private readonly coming = new Set<{ id?: string; until: number }>();

  constructor(private readonly read: (ids: string[]) => Promise<ReadonlyMap<string, T>>) {}

  get(id: string): Promise<T | undefined> {
    for (const c of this.coming) if (c.id === id) this.coming.delete(c);
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.since = Date.now();
      const list = this.waiting.get(id);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(id, [{ resolve, reject }]);
      this.timer ??= setTimeout(() => this.tick(), WINDOW_MS);
    });
  }

  expect(): (id?: string) => void {
    // A write may take long (retried while IAM propagates): its announcement lapses with the longest retry window.
    const coming: { id?: string; until: number } = { until: Date.now() + WRITE_MS };
    this.coming.add(coming);
    return (id) => {
      if (!this.coming.has(coming)) return;
      if (id === undefined || this.waiting.has(id)) this.coming.delete(coming);
      else Object.assign(coming, { id, until: Date.now() + MAX_HOLD_MS });
    };
  }

  /** Whether a read announced and not lapsed is still to come. */
  private awaited(): boolean {
    const now = Date.now();
    for (const c of this.coming) if (c.until <= now) this.coming.delete(c);
    return this.coming.size > 0;
  }

  private tick() {
    this.timer = undefined;
    if (Date.now() - this.since < MAX_HOLD_MS && this.awaited()) {
      this.timer = setTimeout(() => this.tick(), WINDOW_MS);
      return;
    }
    this.flush();
  }

  private flush() {
    const batch = this.waiting;
    this.waiting = new Map();
    const ids = [...batch.keys()];
    for (let i = 0; i < ids.length; i += MAX_IDS) {
      const chunk = ids.slice(i, i + MAX_IDS);
      this.read(chunk).then(
        (found) => {
          for (const id of chunk) for (const w of batch.get(id)!) w.resolve(found.get(id));
        },
        (error: unknown) => {
          for (const id of chunk) for (const w of batch.get(id)!) w.reject(error);
        },
      );
    }
  }
}
