import { isRefValue, type Json } from "./particle.js";
import { RenderError, type Problem } from "./problems.js";
import { walk, type ParticleNode, type StackTree } from "./tree.js";

/** An edge: `from` needs `to` to exist first, because of `prop` (or nesting). */
export interface Edge {
  from: string;
  to: string;
  /** The prop holding the reference (`securityGroups[0]`), or `(parent)` for nesting. */
  via: string;
  /** A weak reference: it orders updates and completion, not creation, and makes no cycle. */
  weak?: true;
}

/** What `graph` needs to know of the particles besides the tree. */
export interface GraphOptions {
  /** The props of a type whose references are weak (the particle's `weakRefs`). */
  weakRefs?: (type: string) => readonly string[] | undefined;
}

/** The dependency graph `graph` makes of a tree: its edges both ways, and an order that puts every element after what it needs. */
export interface Graph {
  /** Nodes by path, parents before children. */
  nodes: Map<string, ParticleNode>;
  /** What each path depends on. */
  dependsOn: Map<string, Edge[]>;
  /** What depends on each path. */
  dependents: Map<string, Edge[]>;
  /** Paths in an order where every node comes after what it depends on. */
  order: string[];
}

/** Every `{ $ref }` in a prop value, with where it sits. */
export function refsIn(value: Json | undefined, at: string, out: Array<{ path: string; via: string }> = []) {
  if (isRefValue(value)) out.push({ path: value.$ref, via: at });
  else if (Array.isArray(value)) value.forEach((v, i) => refsIn(v, `${at}[${i}]`, out));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) refsIn(v, `${at}.${k}`, out);
  return out;
}

/**
 * The dependency graph of a rendered tree: edges from nesting and from
 * references. A cycle is a RenderError naming every element in it and the
 * prop that links each to the next.
 */
export function graph(tree: StackTree, options: GraphOptions = {}): Graph {
  const nodes = new Map<string, ParticleNode>();
  const dependsOn = new Map<string, Edge[]>();
  const dependents = new Map<string, Edge[]>();
  const visit = (list: readonly ParticleNode[], parent: string | undefined) => {
    for (const node of list) {
      nodes.set(node.path, node);
      dependsOn.set(node.path, []);
      dependents.set(node.path, []);
      if (parent) dependsOn.get(node.path)!.push({ from: node.path, to: parent, via: "(parent)" });
      visit(node.children, node.path);
    }
  };
  visit(tree.children, undefined);
  for (const node of nodes.values()) {
    const edges = dependsOn.get(node.path)!;
    const weak = options.weakRefs?.(node.type) ?? [];
    for (const [key, value] of Object.entries(node.props)) {
      for (const ref of refsIn(value, key)) {
        // The parent reference is already the nesting edge.
        if (edges.some((e) => e.to === ref.path && e.via === "(parent)")) continue;
        edges.push({ from: node.path, to: ref.path, via: ref.via, ...(weak.includes(key) ? { weak: true as const } : {}) });
      }
    }
    for (const edge of edges) dependents.get(edge.to)?.push(edge);
  }
  const problems: Problem[] = [];
  for (const [path, edges] of dependsOn) {
    const node = nodes.get(path)!;
    for (const edge of edges) {
      const target = nodes.get(edge.to);
      if (node.state !== "terminated" && target?.state === "terminated") {
        problems.push({
          path,
          type: node.type,
          message: `${edge.via} refers to ${edge.to}, which has state "terminated"`,
          found: edge.to,
          fix: `Terminate this element too, or keep ${edge.to} running`,
          ...(node.source ? { source: node.source } : {}),
        });
      }
    }
  }
  if (problems.length > 0) throw new RenderError(problems);
  return { nodes, dependsOn, dependents, order: topologicalOrder(tree, nodes, dependsOn) };
}

function topologicalOrder(tree: StackTree, nodes: Map<string, ParticleNode>, dependsOn: Map<string, Edge[]>): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: Edge[] = [];
  const problems: Problem[] = [];
  const reported = new Set<string>();
  const visit = (path: string) => {
    const s = state.get(path);
    if (s === "done") return;
    if (s === "visiting") {
      const start = stack.findIndex((e) => e.from === path);
      const cycle = stack.slice(start);
      const key = [...cycle.map((e) => e.from)].sort().join("|");
      if (!reported.has(key)) {
        reported.add(key);
        problems.push(cycleProblem(cycle, nodes));
      }
      return;
    }
    state.set(path, "visiting");
    for (const edge of dependsOn.get(path) ?? []) {
      if (edge.weak) continue;
      stack.push(edge);
      visit(edge.to);
      stack.pop();
    }
    state.set(path, "done");
    order.push(path);
  };
  for (const node of walk(tree.children)) visit(node.path);
  if (problems.length > 0) throw new RenderError(problems);
  return order;
}

function cycleProblem(cycle: Edge[], nodes: Map<string, ParticleNode>): Problem {
  const first = nodes.get(cycle[0]!.from)!;
  const chain = cycle.map((e) => `${e.from} --${e.via}--> `).join("") + cycle[0]!.from;
  return {
    path: first.path,
    type: first.type,
    message: `is part of a dependency cycle: ${chain}`,
    found: cycle.map((e) => e.from),
    fix: "Break the cycle: remove one of these references, or move the rule that needs it to another element",
    ...(first.source ? { source: first.source } : {}),
  };
}
