import { DEFAULT_CONCURRENCY } from "./execute/index.js";
import type { AnyParticle, JsonObject, LiveResource, ParticleContext } from "./particle.js";
import { RenderError, describeValue, type Problem } from "./problems.js";
import { walk, type ParticleNode, type StackTree } from "./tree.js";

/** Particles by type: everything a run can list, create or delete. */
export type Catalogue = ReadonlyMap<string, AnyParticle>;

export function catalogue(particles: Iterable<AnyParticle>): Catalogue {
  return new Map([...particles].map((p) => [p.type, p]));
}

/** What live AWS holds for a stack: the input of `plan`. Plain JSON. */
export interface Snapshot {
  stack: string;
  /** Every resource carrying the stack's ownership, sorted by type, path and id. */
  owned: LiveResource[];
  /** Resources adopted with `existing`, by element path. */
  existing: Record<string, LiveResource>;
  /** Desired props after the particles' lookups (zone names, image ids), by path. */
  resolved: Record<string, JsonObject>;
}

/** A lookup of an existing resource matched zero or several resources. */
export class LookupError extends RenderError {
  override readonly name: string = "LookupError";
}

export interface ReadOptions {
  /**
   * Also reads, resource by resource, the attributes the particles otherwise
   * take from what jiti recorded (their `refresh`): a call or more per
   * resource instead of none. @default false
   */
  refreshAttrs?: boolean;
  /** How many of those reads run at once. @default DEFAULT_CONCURRENCY */
  concurrency?: number;
}

/**
 * Reads live state: one `list` per kind the stack may own, all kinds in
 * parallel; with `refreshAttrs`, the particles' `refresh` of each resource
 * a rendered element manages; then lookups of existing resources and the
 * particles' resolve hooks. Calls only read APIs.
 */
export async function read(
  tree: StackTree | undefined,
  particles: Catalogue,
  ctx: ParticleContext,
  options: ReadOptions = {},
): Promise<Snapshot> {
  const lists = await Promise.all([...particles.values()].map((p) => p.list(ctx)));
  const nodes = tree ? [...walk(tree.children)] : [];
  const listed = lists.flat().filter((live) => live.stack === ctx.stack);
  const owned = (
    options.refreshAttrs ? await refreshed(listed, nodes, particles, ctx, options.concurrency ?? DEFAULT_CONCURRENCY) : listed
  ).sort((a, b) => compare(a.type, b.type) || compare(a.path ?? "", b.path ?? "") || compare(a.id, b.id));

  const existing: Record<string, LiveResource> = {};
  const resolved: Record<string, JsonObject> = {};
  const problems: Problem[] = [];
  await Promise.all(
    nodes.map(async (node) => {
      const particle = particles.get(node.type)!;
      const at = { path: node.path, type: node.type, ...(node.source ? { source: node.source } : {}) };
      if (node.existing) {
        const found = await particle.lookup(ctx, node.existing);
        if (found.length === 1) existing[node.path] = found[0]!;
        else {
          problems.push({
            ...at,
            message: found.length === 0 ? "existing resource not found" : `existing lookup matched ${found.length} resources`,
            found: found.length === 0 ? node.existing : found.map((f) => f.id),
            fix:
              found.length === 0
                ? "Check the id or tags, and the region and account you deploy to"
                : "Add tags to the lookup until it matches exactly one, or pass the id",
          });
        }
      } else if (particle.resolve && node.state !== "terminated") {
        try {
          resolved[node.path] = (await particle.resolve(ctx, node.props)) as JsonObject;
        } catch (error) {
          problems.push({
            ...at,
            message: `a lookup failed: ${error instanceof Error ? error.message : describeValue(error)}`,
            fix: "Check the prop's value and your AWS access",
          });
        }
      }
    }),
  );
  if (problems.length > 0) throw new LookupError(problems.sort((a, b) => compare(a.path, b.path)));
  return { stack: ctx.stack, owned, existing: sortRecord(existing), resolved: sortRecord(resolved) };
}

/**
 * The live resources with the attributes their particle's `refresh` reads,
 * for those a rendered element manages: what is about to be deleted, or is
 * only adopted, is never diffed, so reading more of it would be wasted.
 */
async function refreshed(
  listed: LiveResource[],
  nodes: readonly ParticleNode[],
  particles: Catalogue,
  ctx: ParticleContext,
  concurrency: number,
): Promise<LiveResource[]> {
  const managed = new Set(nodes.filter((n) => !n.existing && n.state !== "terminated").map((n) => `${n.type} ${n.path}`));
  return mapLimit(listed, concurrency, async (live) => {
    const particle = particles.get(live.type);
    return particle?.refresh && managed.has(`${live.type} ${live.path}`) ? particle.refresh(ctx, live) : live;
  });
}

/** `items` mapped by `fn`, at most `limit` at a time, in order: reads one by one without a burst of thousands of calls. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function compare(a: string, b: string) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compare(a, b)));
}
