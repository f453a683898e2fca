export { defineConfig, ruleTree, runRules, STALE_WAIVER } from "./run.js";
export type { JitiConfig, RuleResult, RuleSettings } from "./run.js";
export type { Finding, Rule, RuleNode, RuleTree, Severity } from "./types.js";
