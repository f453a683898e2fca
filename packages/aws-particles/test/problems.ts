import type { JitiNode } from "@jiti/jsx-runtime";
import { RenderError, renderTree, type Problem } from "@jiti/reconciler";

/** The problems render reports for a tree; [] when it renders. */
export function problemsOf(element: JitiNode): Problem[] {
  try {
    renderTree(element);
    return [];
  } catch (error) {
    if (error instanceof RenderError) return [...error.problems];
    throw error;
  }
}
