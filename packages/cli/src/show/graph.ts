import type { Graph, StackTree } from "@jiti/reconciler";

/**
 * The dependency graph, drawn parent → child and referenced → referrer: the
 * order in which resources are created. Reference edges are dashed and
 * labelled with the prop that holds the reference.
 */
export function mermaidText(tree: StackTree, g: Graph): string {
  const ids = nodeIds(g);
  const lines = ["flowchart TD"];
  for (const [path, node] of g.nodes) lines.push(`  ${ids.get(path)}["${escapeMermaid(path)}<br/><small>${node.type}</small>"]`);
  for (const edge of edges(g)) {
    const from = ids.get(edge.to)!;
    const to = ids.get(edge.from)!;
    lines.push(edge.via === "(parent)" ? `  ${from} --> ${to}` : `  ${from} -. "${escapeMermaid(edge.via)}" .-> ${to}`);
  }
  if (g.nodes.size === 0) lines.push(`  empty["${escapeMermaid(tree.stack)}: no resources"]`);
  return `${lines.join("\n")}\n`;
}

export function dotText(tree: StackTree, g: Graph): string {
  const lines = [`digraph ${JSON.stringify(tree.stack)} {`, "  rankdir=TB;", '  node [shape=box, style=rounded, fontname="Helvetica"];'];
  for (const [path, node] of g.nodes) lines.push(`  ${JSON.stringify(path)} [label=${JSON.stringify(`${path}\n${node.type}`)}];`);
  for (const edge of edges(g)) {
    const attrs = edge.via === "(parent)" ? "" : ` [style=dashed, label=${JSON.stringify(edge.via)}]`;
    lines.push(`  ${JSON.stringify(edge.to)} -> ${JSON.stringify(edge.from)}${attrs};`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** `--json`: nodes and edges as data. */
export function graphJson(tree: StackTree, g: Graph) {
  return {
    stack: tree.stack,
    nodes: [...g.nodes.values()].map((n) => ({ path: n.path, type: n.type, ...(n.source ? { source: n.source } : {}) })),
    edges: edges(g),
  };
}

function edges(g: Graph) {
  return [...g.dependsOn.values()].flat();
}

function nodeIds(g: Graph): Map<string, string> {
  return new Map([...g.nodes.keys()].map((path, i) => [path, `n${i}`]));
}

function escapeMermaid(text: string): string {
  return text.replace(/"/g, "#quot;");
}
