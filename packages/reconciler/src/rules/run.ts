import { isRefValue } from "../particle.js";
import type { Problem } from "../problems.js";
import type { ParticleNode, StackTree } from "../tree.js";
import type { Finding, Rule, RuleNode, RuleTree, Severity } from "./types.js";

/** Which rules run, and how severe each one's findings are. */
export interface RuleSettings {
  /** Rules besides those of the particles in the tree (an organisation's policy). */
  rules?: readonly Rule[];
  /** Another severity for a rule, or `off`, by rule id. */
  severity?: Readonly<Record<string, Severity | "off">>;
}

/**
 * An organisation's rule settings, as a `jiti.config.ts` exports them
 * (`export default defineConfig({ … })`): its own rules, and severities by
 * rule id for the built-in ones and its own.
 */
export type JitiConfig = RuleSettings;

/** Types a `jiti.config.ts`'s default export. */
export function defineConfig(config: JitiConfig): JitiConfig {
  return config;
}

/** What the rules found: errors fail the render, warnings go with the plan, waived findings are shown with their reason. */
export interface RuleResult {
  errors: Problem[];
  warnings: Problem[];
  waived: Problem[];
}

const RULE_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** The rule id of a waiver that excuses nothing, so that it can be configured like a rule's finding. */
export const STALE_WAIVER = "stale-waiver";

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
      waive: node.waive,
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
 * problems with the element's path, type and source. A finding the element
 * waives is reported as waived, with the reason; a waiver of a rule that ran
 * and found nothing there, or of no rule at all, is reported as stale. A rule
 * that throws is an error naming the rule: a broken check must never pass for
 * a clean one.
 */
export function runRules(tree: RuleTree, rules: readonly Rule[], settings: RuleSettings = {}): RuleResult {
  const result: RuleResult = { errors: [], warnings: [], waived: [] };
  const seen = new Map<string, Rule>();
  // Which waivers a finding used, and which rules were turned off (their waivers are not stale).
  const used = new Set<string>();
  const off = new Set<string>();
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
    if (severity === "off") {
      off.add(rule.id);
      continue;
    }
    let findings: Finding[];
    try {
      findings = rule.check(tree);
    } catch (error) {
      result.errors.push({
        path: "",
        type: "jiti.Rule",
        message: `rule "${rule.id}" threw: ${error instanceof Error ? error.message : String(error)}`,
        fix: `Fix the rule, or turn it off with severity { "${rule.id}": "off" }`,
        rule: rule.id,
      });
      continue;
    }
    for (const finding of findings) {
      const problem = asProblem(finding, rule.id);
      const reason = finding.node.waive?.[rule.id];
      if (reason !== undefined) {
        used.add(`${finding.node.path} ${rule.id}`);
        result.waived.push({ ...problem, waived: reason });
      } else {
        (severity === "warning" ? result.warnings : result.errors).push(problem);
      }
    }
  }
  // Stale waivers are warnings unless the configuration says otherwise, like a rule's findings.
  const stale = settings.severity?.[STALE_WAIVER] ?? "warning";
  for (const node of stale === "off" ? [] : tree.nodes) {
    for (const [id, reason] of Object.entries(node.waive ?? {})) {
      if (used.has(`${node.path} ${id}`) || off.has(id)) continue;
      const known = seen.has(id);
      (stale === "error" ? result.errors : result.warnings).push({
        path: node.path,
        type: node.type,
        message: known ? `waives rule "${id}", which finds nothing here` : `waives "${id}", but no rule has that id`,
        found: { [id]: reason },
        fix: known ? `Remove "${id}" from waive` : "Check the rule's id, or remove the waiver",
        ...(node.source ? { source: node.source } : {}),
        rule: STALE_WAIVER,
      });
    }
  }
  return result;
}

function asProblem(finding: Finding, rule: string): Problem {
  const { node, message, fix } = finding;
  return {
    path: node.path,
    type: node.type,
    message,
    ...("found" in finding ? { found: finding.found } : {}),
    fix,
    ...(node.source ? { source: node.source } : {}),
    rule,
  };
}
