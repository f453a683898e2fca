import { enablePatches, produceWithPatches } from "immer";
import type { LiveResource } from "../particle.js";
import type { Plan } from "../plan/index.js";
import type { Snapshot } from "../read.js";
import type { JournalEntry, StepKind } from "./types.js";

// Immer's patch recording is opt-in, process-wide; the journal needs it.
enablePatches();

/**
 * The live model of one apply: resources by action key, changed only by
 * `commit`. Each step changes it through an immer recipe over only the
 * entries it touches, so every applied change is recorded as patches (the
 * journal) and every resource stays frozen, while a commit costs the same in
 * a stack of ten resources or ten thousand.
 */
export interface LiveModel {
  /** Live resources by action key; a create-before-delete replace sets the old one aside under `key#old` until its delete. */
  readonly resources: Record<string, LiveResource>;
  readonly journal: JournalEntry[];
  commit(key: string, step: StepKind, touched: string[], recipe: (draft: Record<string, LiveResource>) => void): void;
}

/** The model before any step: what the plan acts on, as read. */
export function liveModel(plan: Plan, snapshot: Snapshot): LiveModel {
  const resources: Record<string, LiveResource> = {};
  const ownedById = new Map(snapshot.owned.map((l) => [`${l.type} ${l.id}`, l]));
  for (const a of plan.actions) {
    const live = a.existing ? snapshot.existing[a.path] : ownedById.get(`${a.type} ${a.id}`);
    if (live) resources[a.key] = live;
  }
  const journal: JournalEntry[] = [];
  const commit: LiveModel["commit"] = (key, step, touched, recipe) => {
    const base = Object.fromEntries(touched.filter((k) => k in resources).map((k) => [k, resources[k]!]));
    const [next, patches] = produceWithPatches(base, recipe);
    for (const k of touched) {
      if (k in next) resources[k] = next[k]!;
      else delete resources[k];
    }
    journal.push({ key, step, patches });
  };
  return { resources, journal, commit };
}
