import { existsSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { sentence, type Problem, type Rule } from "@jiti/reconciler";
import type { Findings } from "./findings.js";

/**
 * `jiti check --format sarif`: the findings as a SARIF 2.1.0 log, which
 * GitHub code scanning and other CI tools read to show each finding on its
 * `stack.tsx` line. https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
 */

/** The id of a problem no rule found: a particle's own validation. */
const VALIDATION = "validation";

/** What the log's locations are relative to, and where a finding without a line of its own is shown. */
export interface SarifPlaces {
  /** The folder `stack.tsx:12` sources are relative to (the current folder). */
  cwd: string;
  /** The repository's root, which code scanning resolves URIs against. */
  root: string;
  /** The stack file: a finding with no line of its own (a rule that threw) is shown at its first line, since code scanning drops results without a location. */
  stackFile: string;
}

/** Ids that are not rules of the package or the configuration, described here. */
const OWN: Record<string, { description: string; fix: string; level: "error" | "warning" }> = {
  [VALIDATION]: { description: "A prop of an element is not valid", fix: "Fix the prop as the message says", level: "error" },
  "stale-waiver": {
    description: "A waiver excuses nothing: the rule finds nothing there, has no such id, or cannot be waived",
    fix: "Remove the waiver, or correct its rule id",
    level: "warning",
  },
};

interface SarifRule {
  id: string;
  shortDescription: { text: string };
  help: { text: string };
  defaultConfiguration: { level: "error" | "warning" };
}

export function sarifLog(found: Findings, rules: readonly Rule[], version: string, places: SarifPlaces): object {
  const known = new Map(rules.map((r) => [r.id, r]));
  const descriptors = new Map<string, SarifRule>();
  const describe = (id: string) => {
    if (descriptors.has(id)) return;
    const rule = known.get(id);
    const own = OWN[id];
    descriptors.set(id, {
      id,
      shortDescription: { text: rule?.description ?? own?.description ?? `Findings of the rule ${id}` },
      help: { text: rule?.fix ?? own?.fix ?? "Fix the rule; the message says what went wrong" },
      defaultConfiguration: { level: rule?.severity ?? own?.level ?? "error" },
    });
  };
  const result = (problem: Problem, level: "error" | "warning") => {
    const ruleId = problem.rule ?? VALIDATION;
    describe(ruleId);
    return {
      ruleId,
      level,
      message: { text: `${problem.path ? `${problem.path} (${problem.type}): ` : ""}${problem.message}. ${sentence(problem.fix)}` },
      locations: [locationOf(problem, places)],
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

/** `stack.tsx:12` as a SARIF location relative to the repository's root, with the element path as its logical location. */
function locationOf(problem: Problem, places: SarifPlaces) {
  const match = problem.source ? /^(.*):(\d+)$/.exec(problem.source) : null;
  const file = match ? resolve(places.cwd, match[1]!) : resolve(places.cwd, places.stackFile);
  const uri = relative(places.root, file).split(sep).join("/");
  return {
    physicalLocation: { artifactLocation: { uri }, region: { startLine: match ? Number(match[2]) : 1 } },
    ...(problem.path ? { logicalLocations: [{ fullyQualifiedName: problem.path, kind: "element" }] } : {}),
  };
}

/** The repository `dir` is in (the nearest folder above with a `.git`), else `dir` itself. */
export function repositoryRoot(dir: string): string {
  for (let at = resolve(dir); ; at = dirname(at)) {
    if (existsSync(join(at, ".git"))) return at;
    if (dirname(at) === at) return resolve(dir);
  }
}
