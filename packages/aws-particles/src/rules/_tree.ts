import type { RuleNode, RuleTree } from "@jiti/reconciler";

// What several rules ask of the tree.

/** The elements under the same parent as `node` (the stack's, at the top), `node` included, in tree order. */
export function siblingsOf(tree: RuleTree, node: RuleNode): readonly RuleNode[] {
  return node.parent ? node.parent.children : tree.top;
}

/** A prop's value as a list of plain objects, for reading neighbours' props that may not be valid. */
export function objectsIn(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v))
    : [];
}
