import type { JsonObject, LiveResource } from "@jiti/reconciler";
import {
  PATH_TAG,
  PROTECT_TAG,
  RETAIN_TAG,
  STACK_TAG,
  defineParticle,
  digest,
  particleOf,
  type Desired,
  type Particle,
  type ParticleContext,
} from "@jiti/reconciler/particle";

/**
 * A test double of the particle contract: an in-memory cloud that logs every
 * call, so ordering rules can be checked without AWS. Never used for
 * particle tests, which run the real SDK against moto.
 */
export interface FakeResource {
  type: string;
  id: string;
  tags: Record<string, string>;
  props: JsonObject;
}

export class FakeCloud {
  readonly resources = new Map<string, FakeResource>();
  readonly log: string[] = [];
  private next = 1;
  /** Simulated latency of each mutating call, in ms. */
  delayMs = 0;
  /** Fails a call: return an error to throw for `op` on `path`. */
  failOn: (op: string, path: string) => Error | undefined = () => undefined;
  running = 0;
  maxRunning = 0;
  /** After each create, the particle waits this long (as for an instance to run), through `ctx.idle`. */
  settleMs = 0;
  settling = 0;
  maxSettling = 0;

  id(prefix: string) {
    return `${prefix}-${String(this.next++).padStart(4, "0")}`;
  }

  async call<T>(op: string, path: string, fn: () => T, signal?: AbortSignal): Promise<T> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.log.push(`${op} ${path}`);
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      if (signal?.aborted) throw signal.reason;
      const error = this.failOn(op, path);
      if (error) throw error;
      return fn();
    } finally {
      this.running--;
    }
  }

  /** A create's wait for its resource to settle, given up to other steps' work with `ctx.idle`. */
  async settle(ctx: ParticleContext): Promise<void> {
    if (this.settleMs <= 0) return;
    this.settling++;
    this.maxSettling = Math.max(this.maxSettling, this.settling);
    try {
      await ctx.idle(new Promise((r) => setTimeout(r, this.settleMs)));
    } finally {
      this.settling--;
    }
  }

  /** Puts a resource in the cloud directly, as another tool (or a crash) would have left it. */
  seed(type: string, props: JsonObject, tags: Record<string, string>): FakeResource {
    const r = { type, id: this.id(type.split(".").pop()!.toLowerCase()), tags, props };
    this.resources.set(r.id, r);
    return r;
  }
}

function toLive(r: FakeResource): LiveResource<JsonObject> {
  return {
    type: r.type,
    id: r.id,
    path: r.tags[PATH_TAG],
    stack: r.tags[STACK_TAG],
    protected: r.tags[PROTECT_TAG] === "true",
    ...(r.tags[RETAIN_TAG] === "true" ? { retained: true } : {}),
    data: { ...r.props },
    status: (r.props.state as string) ?? "running",
  };
}

type FakeProps = { tags?: Record<string, string> };

function fake<P extends FakeProps, K extends string>(
  cloud: FakeCloud,
  spec: Pick<
    Particle<P, JsonObject>,
    "name" | "parents" | "props" | "parentProp" | "references" | "replaceStrategy" | "hashed" | "stoppable" | "uniqueBy"
  > & { type: K },
  options: FakeOptions = {},
) {
  const particle: Particle<P, JsonObject> & { type: K } = {
    ...spec,
    ...(options.configure
      ? {
          async configure(ctx: ParticleContext, live: LiveResource<JsonObject>, desired: Desired<P>) {
            return cloud.call("configure", desired.path, () => toLive(cloud.resources.get(live.id)!), ctx.signal);
          },
        }
      : {}),
    async list(ctx: ParticleContext) {
      cloud.log.push(`list ${spec.type}`);
      return [...cloud.resources.values()].filter((r) => r.type === spec.type && r.tags[STACK_TAG] === ctx.stack).map(toLive);
    },
    async lookup(_ctx, existing) {
      return [...cloud.resources.values()]
        .filter(
          (r) =>
            r.type === spec.type &&
            ("id" in existing ? r.id === existing.id : Object.entries(existing.tags).every(([k, v]) => r.tags[k] === v)),
        )
        .map(toLive);
    },
    observe(live) {
      const out: Record<string, unknown> = {};
      // AWS cannot show hashed props back: report the digest of what was applied.
      for (const key of Object.keys(spec.props))
        out[key] = spec.hashed?.includes(key as never) && live.data[key] !== undefined ? digest(live.data[key]) : live.data[key];
      return out as never;
    },
    async create(ctx, desired: Desired<P>) {
      const created = await cloud.call(
        "create",
        desired.path,
        () => {
          const r: FakeResource = {
            type: spec.type,
            id: cloud.id(spec.name.toLowerCase()),
            tags: desired.tags,
            props: { ...(desired.props as JsonObject), state: desired.state },
          };
          cloud.resources.set(r.id, r);
          return toLive(r);
        },
        ctx.signal,
      );
      await cloud.settle(ctx);
      return created;
    },
    async update(ctx, live, desired, changed) {
      return cloud.call(
        `update(${changed.join(",")})`,
        desired.path,
        () => {
          const r = cloud.resources.get(live.id)!;
          r.props = { ...r.props, ...(desired.props as JsonObject) };
          r.tags = desired.tags;
          return toLive(r);
        },
        ctx.signal,
      );
    },
    async setState(ctx, live, state) {
      return cloud.call(
        `state(${state})`,
        live.path ?? live.id,
        () => {
          const r = cloud.resources.get(live.id)!;
          r.props = { ...r.props, state };
          return toLive(r);
        },
        ctx.signal,
      );
    },
    async delete(ctx, live) {
      await cloud.call("delete", live.path ?? live.id, () => void cloud.resources.delete(live.id), ctx.signal);
    },
    outputs(live) {
      return { id: live.id };
    },
  };
  return defineParticle<P, JsonObject, K>(particle);
}

export interface NetProps extends FakeProps {
  /** Replaces. */
  cidr: string;
  tags?: Record<string, string>;
}
export interface SubProps extends FakeProps {
  cidr: string;
  label?: string;
  net?: unknown;
}
export interface GroupProps extends FakeProps {
  rules?: string[];
  net?: unknown;
}
export interface BoxProps extends FakeProps {
  size?: string;
  groups?: unknown[];
  secret?: string;
  sub?: unknown;
}

export interface FakeOptions {
  /** Net and Group finish their creates with a `configure` step (logged as `configure <path>`), as a VPC's attributes and a group's rules do. */
  configure?: boolean;
}

/** Net > Sub > Box, with Group under Net referenced by Box: the shape of a VPC stack. */
export function fakeParticles(cloud: FakeCloud, options: FakeOptions = {}) {
  const Net = fake<NetProps, "fake.Net">(
    cloud,
    {
      type: "fake.Net",
      name: "Net",
      parents: ["Stack"],
      props: { cidr: "replace", tags: "update" },
    },
    options,
  );
  const Sub = fake<SubProps, "fake.Sub">(cloud, {
    type: "fake.Sub",
    name: "Sub",
    parents: ["Net"],
    parentProp: "net",
    props: { cidr: "replace", label: "update", net: "replace", tags: "update" },
    replaceStrategy: "delete-first",
    uniqueBy: ["cidr"],
  });
  const Group = fake<GroupProps, "fake.Group">(
    cloud,
    {
      type: "fake.Group",
      name: "Group",
      parents: ["Net"],
      parentProp: "net",
      props: { rules: "update", net: "replace", tags: "update" },
    },
    options,
  );
  const Box = fake<BoxProps, "fake.Box">(cloud, {
    type: "fake.Box",
    name: "Box",
    parents: ["Sub"],
    parentProp: "sub",
    references: ["Group"],
    props: { size: "update", groups: "update", secret: "replace", sub: "replace", tags: "update" },
    hashed: ["secret"],
    stoppable: true,
  });
  const particles = [Net, Sub, Group, Box].map((c) => particleOf(c)!);
  return { Net, Sub, Group, Box, particles };
}
