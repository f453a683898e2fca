import type { JitiNode } from "@jiti/jsx-runtime";
import { apply, destroy, plan, type ApplyEvent, type Plan, type RunOptions } from "@jiti/reconciler";
import { FakeCloud, fakeParticles, type FakeOptions } from "./particles.js";

/** A fake cloud with its particles and the API bound to them. */
export function fakeWorld(particleOptions: FakeOptions = {}) {
  const cloud = new FakeCloud();
  const kit = fakeParticles(cloud, particleOptions);
  const events: ApplyEvent[] = [];
  const options = (extra: RunOptions = {}): RunOptions => ({ particles: kit.particles, onEvent: (e) => events.push(e), ...extra });
  return {
    cloud,
    ...kit,
    events,
    plan: async (el: JitiNode, extra?: RunOptions) => (await plan(el, options(extra))).plan,
    apply: (el: JitiNode, extra?: RunOptions) => apply(el, options(extra)),
    destroy: (stack: string, extra?: RunOptions) => destroy(stack, options(extra)),
  };
}

/** A plan with live ids replaced by stable names, for snapshots. */
export function summarise(p: Plan) {
  return p.actions
    .filter((a) => a.action !== "noop")
    .map((a) => {
      const changes = a.changes.map(
        (c) => `${c.field}: ${JSON.stringify(c.from) ?? "∅"} -> ${JSON.stringify(c.to)}${c.forcesReplace ? " (forces replace)" : ""}`,
      );
      return [
        `${a.action} ${a.key}${a.strategy ? ` [${a.strategy}]` : ""}${a.reason ? ` (${a.reason})` : ""}`,
        ...changes.map((c) => `    ${c}`),
      ].join("\n");
    })
    .join("\n");
}
