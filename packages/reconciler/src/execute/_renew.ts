import { EXPIRES_TAG, RENEWED_TAG, type LiveResource, type ParticleContext } from "../particle.js";
import type { Catalogue } from "../read.js";
import { stale, tagTime } from "../lifetime.js";
import type { LiveModel } from "./_model.js";
import { assertOwned } from "./_perform.js";
import { failureInfo } from "./failure.js";
import type { Failure } from "./types.js";

/**
 * The last part of an apply: the stack's expiry brought to `at` on every
 * resource it owns that does not carry it yet (what the apply kept as it
 * was), or removed (`at` null) from every one that carries it. One `retag`
 * per kind; what failed is returned, as the steps' failures are.
 */
export async function renewExpiry(at: string | null, model: LiveModel, particles: Catalogue, ctx: ParticleContext): Promise<Failure[]> {
  const byType = new Map<string, [string, LiveResource][]>();
  for (const [key, live] of Object.entries(model.resources)) {
    // What the stack adopts (`existing`) is not its own: its tags stay as they are.
    if (live.stack !== ctx.stack || !stale(live, at)) continue;
    const entries = byType.get(live.type) ?? [];
    entries.push([key, live]);
    byType.set(live.type, entries);
  }
  // Renewed, or no longer expiring: either way the apply that did it is the stack's last.
  const set: Record<string, string> = { ...(at === null ? {} : { [EXPIRES_TAG]: at }), [RENEWED_TAG]: tagTime(new Date()) };
  const remove = at === null ? [EXPIRES_TAG] : [];
  const failures: Failure[] = [];
  await Promise.all(
    [...byType].map(async ([type, entries]) => {
      const particle = particles.get(type);
      if (!particle?.retag) return;
      try {
        for (const [, live] of entries) assertOwned(live, ctx.stack);
        await particle.retag(
          ctx,
          entries.map(([, live]) => live),
          set,
          remove,
        );
      } catch (error) {
        for (const [key, live] of entries) {
          failures.push({ key, path: live.path ?? key, type, step: "update", ...failureInfo(error) });
        }
        return;
      }
      for (const [key] of entries) {
        model.commit(key, "update", [key], (d) => {
          const tags = { ...(d[key]!.tags ?? {}), ...set };
          for (const k of remove) delete tags[k];
          d[key]!.tags = tags;
        });
      }
    }),
  );
  return failures;
}
