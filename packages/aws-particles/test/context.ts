import { particles } from "@jiti/aws-particles";
import { pathSegments, type AnyParticle, type Json, type JsonObject, type LiveResource } from "@jiti/reconciler";
import { isRefValue, type Desired, type Particle, type ParticleContext } from "@jiti/reconciler/particle";

/**
 * A particle context for lifecycle tests: the SDK finds the emulator through
 * AWS_ENDPOINT_URL, set by the moto harness.
 */
export function particleContext(stack = "test-stack", progress: string[] = []): ParticleContext {
  return {
    stack,
    aws: { region: process.env.AWS_REGION ?? "us-east-1" },
    cache: new Map(),
    signal: new AbortController().signal,
    progress: (message) => void progress.push(message),
    idle: (wait) => wait,
  };
}

/**
 * Desired props as the reconciler hands them to create/update: the
 * particle's defaults applied (the particle named by the path's last
 * element), ownership tags included.
 */
export function desired<P extends object>(ctx: ParticleContext, path: string, props: P, extra: Partial<Desired<P>> = {}): Desired<P> {
  const tags = ((props as { tags?: Record<string, string> }).tags ?? {}) as Record<string, string>;
  const element = pathSegments(path).at(-1)!;
  const defaults = particles.find((p) => p.name === element.component)?.defaults ?? {};
  const given = Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));
  return {
    path,
    name: element.name,
    names: pathSegments(path).map((s) => s.name ?? s.component),
    props: { ...defaults, ...given } as P,
    tags: { ...tags, "jiti:stack": ctx.stack, "jiti:path": path },
    state: "running",
    ...extra,
  };
}

/** What the reconciler does before create and update: every `{ $ref: path }` becomes the target's id. */
export function withIds<T>(value: T, ids: Record<string, string>): T {
  const resolve = (v: Json): Json => {
    if (isRefValue(v)) {
      const id = ids[v.$ref];
      if (id === undefined) throw new Error(`no id for ${v.$ref}`);
      return id;
    }
    if (Array.isArray(v)) return v.map(resolve);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };
  return resolve(value as Json) as T;
}

export type { JsonObject };

/** What the reconciler does to make an element: `create`, then the particle's `configure`, with the same desired state. */
export async function createAndConfigure<Props, Data>(
  particle: AnyParticle & Pick<Particle<Props & object, Data>, "create" | "configure">,
  ctx: ParticleContext,
  wanted: Desired<Props & object>,
): Promise<LiveResource<Data>> {
  const live = await particle.create(ctx, wanted as never);
  return particle.configure ? particle.configure(ctx, live, wanted as never) : live;
}
