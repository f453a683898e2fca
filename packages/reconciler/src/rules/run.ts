import { isRefValue } from "../particle.js";
import type { Problem } from "../problems.js";
import type { ParticleNode, StackTree } from "../tree.js";
import type { Finding, Rule, RuleNode, RuleTree, Severity } from "./types.js";

/** Which rules run, and how severe each one's findings are. */
export interface RuleSettings {
  /** `false` renders without any rule (what `jiti destroy` does to learn a stack's name). @default true */
  runRules?: boolean;
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
 * `invalid` holds the paths whose own props failed validation. Elements with
 * `state="terminated"`, and everything inside them, are left out: they are
 * on their way out, and a finding on one must not stop the apply that
 * removes it.
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
    for (const child of node.children) if (child.state !== "terminated") children.push(build(child, view));
    return view;
  };
  const top = tree.children.filter((node) => node.state !== "terminated").map((node) => build(node, undefined));
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
 * and found nothing there, or of no rule at all, is reported as stale. A
 * mandatory rule (what AWS would refuse) is neither waived nor turned down. A
 * rule that throws, or answers with something that is not a list of
 * findings, is an error naming the rule: a broken check must never pass for
 * a clean one. A severity for a rule id nobody has is an error too: a typo
 * there would silently leave the rule as it was.
 */
export function runRules(tree: RuleTree, rules: readonly Rule[], settings: RuleSettings = {}): RuleResult {
  const result: RuleResult = { errors: [], warnings: [], waived: [] };
  const seen = new Map<string, Rule>();
  // Which waivers a finding used, and which rules were turned off (their waivers are not stale).
  const used = new Set<string>();
  const off = new Set<string>();
  const ruleError = (id: string, message: string, fix: string, found?: unknown) =>
    result.errors.push({ path: "", type: "jiti.Rule", message, ...(found !== undefined ? { found } : {}), fix, rule: id });
  for (const rule of rules) {
    const other = seen.get(rule.id);
    if (other === rule) continue;
    if (other || !RULE_ID.test(rule.id)) {
      if (other) ruleError(rule.id, `two different rules have the id "${rule.id}"`, "Give each rule its own id", rule.id);
      else ruleError(rule.id, "a rule's id must be lowercase words joined by '-'", 'Use an id such as "no-public-ssh"', rule.id);
      continue;
    }
    seen.set(rule.id, rule);
    const asked = settings.severity?.[rule.id];
    if (rule.mandatory && asked !== undefined && asked !== "error") {
      ruleError(
        rule.id,
        `rule "${rule.id}" finds what AWS would refuse half way through an apply: its severity cannot be changed`,
        `Remove "${rule.id}" from severity`,
        { [rule.id]: asked },
      );
    }
    const severity = rule.mandatory ? "error" : (asked ?? rule.severity);
    if (severity === "off") {
      off.add(rule.id);
      continue;
    }
    let findings: unknown;
    try {
      findings = rule.check(tree);
    } catch (error) {
      ruleError(
        rule.id,
        `rule "${rule.id}" threw: ${error instanceof Error ? error.message : String(error)}`,
        `Fix the rule, or turn it off with severity { "${rule.id}": "off" }`,
      );
      continue;
    }
    const malformed = findingsIssue(findings);
    if (malformed) {
      ruleError(
        rule.id,
        `rule "${rule.id}" ${malformed}`,
        "A rule's check returns a list of { node, message, fix } (synchronously), [] when it finds nothing",
      );
      continue;
    }
    for (const finding of findings as Finding[]) {
      const problem = asProblem(finding, rule);
      const reason = finding.node.waive?.[rule.id];
      if (reason !== undefined && !rule.mandatory) {
        used.add(`${finding.node.path} ${rule.id}`);
        result.waived.push({ ...problem, waived: reason });
      } else {
        (severity === "warning" ? result.warnings : result.errors).push(problem);
      }
    }
  }
  for (const id of Object.keys(settings.severity ?? {})) {
    if (!seen.has(id) && id !== STALE_WAIVER)
      ruleError(id, `severity names "${id}", but no rule has that id`, "Check the rule's id against `jiti check` or the README's list", id);
  }
  // Stale waivers are warnings unless the configuration says otherwise, like a rule's findings.
  const stale = settings.severity?.[STALE_WAIVER] ?? "warning";
  for (const node of stale === "off" ? [] : tree.nodes) {
    for (const [id, reason] of Object.entries(node.waive ?? {})) {
      if (used.has(`${node.path} ${id}`) || off.has(id)) continue;
      const rule = seen.get(id);
      (stale === "error" ? result.errors : result.warnings).push({
        path: node.path,
        type: node.type,
        message: rule?.mandatory
          ? `waives rule "${id}", which finds what AWS would refuse and cannot be waived`
          : rule
            ? `waives rule "${id}", which finds nothing here`
            : `waives "${id}", but no rule has that id`,
        found: { [id]: reason },
        fix: rule ? `Remove "${id}" from waive` : "Check the rule's id, or remove the waiver",
        ...(node.source ? { source: node.source } : {}),
        rule: STALE_WAIVER,
      });
    }
  }
  return result;
}

/** What is wrong with what a rule's check answered, if anything. */
function findingsIssue(findings: unknown): string | undefined {
  if (findings instanceof Promise) return "returned a promise: rules run synchronously, before any AWS call";
  if (!Array.isArray(findings)) return `returned ${findings === null ? "null" : typeof findings}, not a list of findings`;
  const bad = findings.findIndex(
    (f) =>
      typeof f !== "object" || f === null || typeof (f as Finding).node?.path !== "string" || typeof (f as Finding).message !== "string",
  );
  return bad === -1 ? undefined : `returned a finding without a node or a message (finding ${bad})`;
}

function asProblem(finding: Finding, rule: Rule): Problem {
  const { node, message } = finding;
  return {
    path: node.path,
    type: node.type,
    message,
    ...("found" in finding ? { found: finding.found } : {}),
    // A finding without its own fix takes the rule's.
    fix: typeof finding.fix === "string" && finding.fix.trim() !== "" ? finding.fix : rule.fix,
    ...(node.source ? { source: node.source } : {}),
    rule: rule.id,
    ...(rule.mandatory ? { mandatory: true as const } : {}),
  };
}
