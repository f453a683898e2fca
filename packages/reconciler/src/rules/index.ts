export { ruleTree, runRules } from "./run.js";
export type { RuleResult, RuleSettings } from "./run.js";
export type { Finding, Rule, RuleNode, RuleTree, Severity } from "./types.js";
