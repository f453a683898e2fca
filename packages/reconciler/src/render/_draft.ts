import type { JitiElement } from "@jiti/jsx-runtime";
import type { AnyParticle } from "../particle.js";
import type { Problem } from "../problems.js";
import type { ParticleNode, StackTree } from "../tree.js";

/** A particle found while expanding, before its path and props are computed. */
export interface Draft {
  particle: AnyParticle;
  element: JitiElement;
  parent: Draft | StackDraft;
  children: Draft[];
  /** Tags from the stack and every `<Tags>` around the element. */
  inheritedTags: Record<string, string>;
  source: string | undefined;
  node: ParticleNode;
}

/** The `<Stack>` at the root while its children are expanded. */
export interface StackDraft {
  particle: undefined;
  element: JitiElement;
  children: Draft[];
  source: string | undefined;
  tree: StackTree;
}

/** Path, type and source of a draft, for its problems. */
export function blame(draft: Draft): Omit<Problem, "message" | "fix"> {
  return { path: draft.node.path, type: draft.particle.type, ...(draft.source ? { source: draft.source } : {}) };
}
