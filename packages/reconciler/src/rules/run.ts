import { isRefValue } from "../particle.js";
import type { Problem } from "../problems.js";
import type { ParticleNode, StackTree } from "../tree.js";
import type { Rule, RuleNode, RuleTree, Severity } from "./types.js";

/** Which rules run, and how severe each one's findings are. */
export interface RuleSettings {
  /** Rules besides those of the particles in the tree (an organisation's policy). */
  rules?: readonly Rule[];
  /** Another severity for a rule, or `off`, by rule id. */
  severity?: Readonly<Record<string, Severity | "off">>;
}

/** What the rules found: errors fail the render, warnings go with the plan. */
export interface RuleResult {
  errors: Problem[];
  warnings: Problem[];
}

const RULE_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * The tree as rules see it. `componentOf` names each type's component;
 * `invalid` holds the paths whose own props failed validation.
 */
export function ruleTree(tree: StackTree, componentOf: (type: string) => string, invalid: ReadonlySet<string>): RuleTree {
  const nodes: RuleNode[] = [];
  const byPath = new Map<string, RuleNode>();
  const byType = new Map<string, RuleNode[]>();
  const build = (node: ParticleNode, parent: RuleNode | undefined): RuleNode => {
    const children: RuleNode[] = [];
    const view: RuleNode = {
      type: node.type,
      component: componentOf(node.type),
      name: node.name,
      path: node.path,
      state: node.state,
      props: node.props,
      existing: node.existing,
      source: node.source,
      parent,
      children,
      valid: !invalid.has(node.path),
    };
    nodes.push(view);
    byPath.set(node.path, view);
    const ofType = byType.get(node.type);
    if (ofType) ofType.push(view);
    else byType.set(node.type, [view]);
    for (const child of node.children) children.push(build(child, view));
    return view;
  };
  const top = tree.children.map((node) => build(node, undefined));
  return {
    stack: tree.stack,
    tags: tree.tags,
    nodes,
    top,
    ofType: (type) => byType.get(type) ?? [],
    target: (value) => (isRefValue(value) ? byPath.get(value.$ref) : undefined),
  };
}

/**
 * Runs each rule once (rules given twice run once), turning findings into
 * problems with the element's path, type and source. A rule that throws is
 * an error naming the rule: a broken check must never pass for a clean one.
 */
export function runRules(tree: RuleTree, rules: readonly Rule[], settings: RuleSettings = {}): RuleResult {
  const result: RuleResult = { errors: [], warnings: [] };
  const seen = new Map<string, Rule>();
  for (const rule of rules) {
    const other = seen.get(rule.id);
    if (other === rule) continue;
    if (other || !RULE_ID.test(rule.id)) {
      result.errors.push({
        path: "",
        type: "jiti.Rule",
        message: other ? `two different rules have the id "${rule.id}"` : "a rule's id must be lowercase words joined by '-'",
        found: rule.id,
        fix: other ? "Give each rule its own id" : 'Use an id such as "no-public-ssh"',
        rule: rule.id,
      });
      continue;
    }
    seen.set(rule.id, rule);
    const severity = settings.severity?.[rule.id] ?? rule.severity;
    if (severity === "off") continue;
    const into = severity === "warning" ? result.warnings : result.errors;
    try {
      for (const finding of rule.check(tree)) {
        const { node, message, fix } = finding;
        into.push({
          path: node.path,
          type: node.type,
          message,
          ...("found" in finding ? { found: finding.found } : {}),
          fix,
          ...(node.source ? { source: node.source } : {}),
          rule: rule.id,
        });
      }
    } catch (error) {
      result.errors.push({
        path: "",
        type: "jiti.Rule",
        message: `rule "${rule.id}" threw: ${error instanceof Error ? error.message : String(error)}`,
        fix: `Fix the rule, or turn it off with severity { "${rule.id}": "off" }`,
        rule: rule.id,
      });
    }
  }
  return result;
}
