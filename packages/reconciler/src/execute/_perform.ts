import type { AnyParticle, LiveResource, ParticleContext } from "../particle.js";
import type { Snapshot } from "../read.js";
import type { ParticleNode } from "../tree.js";
import { desiredOf } from "./_desired.js";
import type { LiveModel } from "./_model.js";
import type { Step } from "./types.js";

/** What the steps of one apply read and write. */
export interface Run {
  model: LiveModel;
  nodes: ReadonlyMap<string, ParticleNode>;
  snapshot: Snapshot;
  /** The lifetime tags a create puts on what it makes (when, and the stack's expiry), and an update on what it changes (the expiry). */
  lifetime: { create: Record<string, string>; update: Record<string, string> };
}

/**
 * Does one step: the particle's verb, then the change committed to the live
 * model. Resolves with the id of the resource the step made or changed.
 */
export async function perform(step: Step, particle: AnyParticle, ctx: ParticleContext, run: Run): Promise<string | undefined> {
  const { action } = step;
  const { model } = run;
  if (step.kind === "delete") {
    // A create-before-delete replace has set the old resource aside under `#old`.
    const slot = action.action === "replace" && action.strategy !== "delete-first" ? `${action.key}#old` : action.key;
    const live = model.resources[slot];
    if (!live) return undefined;
    assertOwned(live, ctx.stack);
    await particle.delete(ctx, live);
    model.commit(action.key, "delete", [slot], (d) => {
      delete d[slot];
    });
    return live.id;
  }
  // A configure finishes the create, with the same props.
  const creating = step.kind === "create" || step.kind === "configure";
  const lifetime = creating ? run.lifetime.create : run.lifetime.update;
  const desired = desiredOf(particle, run.nodes.get(action.path)!, run.snapshot, model.resources, ctx.stack, creating, lifetime);
  if (step.kind === "create") {
    const created = await particle.create(ctx, desired);
    const old = model.resources[action.key];
    model.commit(action.key, "create", [action.key, `${action.key}#old`], (d) => {
      if (old) d[`${action.key}#old`] = old;
      d[action.key] = created;
    });
    return created.id;
  }
  let live = model.resources[action.key]!;
  assertOwned(live, ctx.stack);
  if (step.kind === "configure") {
    const configured = await particle.configure!(ctx, live, desired);
    model.commit(action.key, "configure", [action.key], (d) => {
      d[action.key] = configured;
    });
    return configured.id;
  }
  // Completing a create: the weakly referenced props, now that their targets exist.
  // Putting on or lifting protection changes the resource's tags.
  const fields = step.completes
    ? [...(particle.weakRefs ?? [])].filter((f) => f in desired.props)
    : [...new Set(action.changes.filter((c) => c.field !== "state").map((c) => (c.field === "protect" ? "tags" : c.field)))];
  if (fields.length > 0) live = await particle.update(ctx, live, desired, fields);
  if (particle.setState && action.changes.some((c) => c.field === "state")) {
    live = await particle.setState(ctx, live, desired.state);
  }
  const updated = live;
  model.commit(action.key, "update", [action.key], (d) => {
    d[action.key] = updated;
  });
  return updated.id;
}

/** The guard behind "nothing foreign touched": only resources tagged with this stack are changed. */
export function assertOwned(live: LiveResource, stack: string) {
  if (live.stack !== stack) {
    throw Object.assign(
      new Error(
        `refusing to change ${live.type} ${live.id}: it does not carry the ownership tag jiti:stack=${stack} (found: ${live.stack ?? "no tag"})`,
      ),
      { code: "NotOwned" },
    );
  }
}
