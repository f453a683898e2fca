import type { ParticleContext } from "@jiti/reconciler";

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
): (id: string) => Promise<T | undefined> {
  const key = `aws.batch.${kind}`;
  let batcher = ctx.cache.get(key) as Batcher<T> | undefined;
  if (!batcher) ctx.cache.set(key, (batcher = new Batcher(read)));
  const b = batcher;
  // Waiting for a batch (and its one call) is waiting: the step's place goes to another meanwhile.
  return (id) => ctx.idle(b.get(id));
}

/** How long a read waits for others to join it: short beside an AWS call (50–300 ms). */
const WINDOW_MS = 10;
/** EC2 takes at most 200 values in one filter. */
const MAX_IDS = 200;

class Batcher<T> {
  private waiting = new Map<string, Array<{ resolve: (value: T | undefined) => void; reject: (error: unknown) => void }>>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly read: (ids: string[]) => Promise<ReadonlyMap<string, T>>) {}

  get(id: string): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(id);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(id, [{ resolve, reject }]);
      this.timer ??= setTimeout(() => this.flush(), WINDOW_MS);
    });
  }

  private flush() {
    const batch = this.waiting;
    this.waiting = new Map();
    this.timer = undefined;
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
