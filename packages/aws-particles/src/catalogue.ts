import type { AnyParticle } from "@jiti/reconciler";
import { particleOf } from "@jiti/reconciler/particle";
import * as kinds from "./kinds.js";

/**
 * Every particle kind of this package (those `kinds.ts` lists, by name):
 * pass it as `particles` to `plan`, `apply` and `destroy` so resources of
 * kinds no longer rendered are found too.
 */
export const particles: readonly AnyParticle[] = Object.keys(kinds).flatMap((name) => particleOf(kinds[name as keyof typeof kinds]) ?? []);
