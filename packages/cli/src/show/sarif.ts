import type { Problem, Rule } from "@jiti/reconciler";
import type { Findings } from "./findings.js";

/**
 * `jiti check --format sarif`: the findings as a SARIF 2.1.0 log, which
 * GitHub code scanning and other CI tools read to show each finding on its
 * `stack.tsx` line. https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
 */

/** The id of a problem no rule found: a particle's own validation. */
const VALIDATION = "validation";

interface SarifRule {
  id: string;
  shortDescription: { text: string };
  help: { text: string };
  defaultConfiguration: { level: "error" | "warning" };
}

export function sarifLog(found: Findings, rules: readonly Rule[], version: string): object {
  const known = new Map(rules.map((r) => [r.id, r]));
  const descriptors = new Map<string, SarifRule>();
  const describe = (id: string) => {
    if (descriptors.has(id)) return;
    const rule = known.get(id);
    descriptors.set(id, {
      id,
      shortDescription: { text: rule?.description ?? (id === VALIDATION ? "A prop of an element is not valid" : `Findings of ${id}`) },
      help: { text: rule?.fix ?? (id === VALIDATION ? "Fix the prop as the message says" : "See the message") },
      defaultConfiguration: { level: rule?.severity ?? (id === VALIDATION ? "error" : "warning") },
    });
  };
  const result = (problem: Problem, level: "error" | "warning") => {
    const ruleId = problem.rule ?? VALIDATION;
    describe(ruleId);
    const location = locationOf(problem);
    return {
      ruleId,
      level,
      message: { text: `${problem.path ? `${problem.path} (${problem.type}): ` : ""}${problem.message}. ${problem.fix}.` },
      ...(location ? { locations: [location] } : {}),
      ...(problem.waived !== undefined ? { suppressions: [{ kind: "inSource", justification: problem.waived }] } : {}),
    };
  };
  const results = [
    ...found.errors.map((p) => result(p, "error")),
    ...found.warnings.map((p) => result(p, "warning")),
    ...found.waived.map((p) => result(p, known.get(p.rule ?? "")?.severity ?? "warning")),
  ];
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "jiti", version, rules: [...descriptors.values()] } },
        results,
      },
    ],
  };
}

/** `stack.tsx:12` as a SARIF location, with the element path as its logical location. */
function locationOf(problem: Problem) {
  const match = problem.source ? /^(.*):(\d+)$/.exec(problem.source) : null;
  if (!match) return undefined;
  return {
    physicalLocation: { artifactLocation: { uri: match[1]! }, region: { startLine: Number(match[2]) } },
    ...(problem.path ? { logicalLocations: [{ fullyQualifiedName: problem.path, kind: "element" }] } : {}),
  };
}
