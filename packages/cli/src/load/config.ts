import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { JitiConfig, Rule } from "@jiti/reconciler";
import { importUserFile, StackLoadError } from "./import.js";
import { loadModule } from "./modules.js";
import type { Timings } from "../timings.js";

export const CONFIG_FILE = "jiti.config.ts";
const SEVERITIES = ["error", "warning", "off"];

/** The `jiti.config.ts` nearest the stack: in its folder, or the first of the folders above it that has one. */
export function findConfig(stackFile: string): string | undefined {
  for (let dir = dirname(resolve(stackFile)); ; dir = dirname(dir)) {
    const file = join(dir, CONFIG_FILE);
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Loads a `jiti.config.ts`: its default export, `defineConfig({ rules,
 * severity })`, checked before it is used, so that a mistake in the
 * organisation's rules is an error naming the file, not a rule that never runs.
 */
export async function loadConfig(file: string, timings?: Timings): Promise<JitiConfig> {
  // A config imports rules from @jiti/aws-particles as a stack does.
  const [exported] = await Promise.all([importUserFile(file, CONFIG_FILE, timings), loadModule("@jiti/aws-particles")]);
  const shown = relative(process.cwd(), file) || file;
  const fail = (message: string) => {
    throw new StackLoadError(
      `${shown}: ${message}`,
      undefined,
      'Export the configuration as default: `export default defineConfig({ rules: [myRule], severity: { "open-ingress": "error" } })`',
    );
  };
  if (typeof exported !== "object" || exported === null || Array.isArray(exported)) {
    return fail(exported === undefined ? "has no default export" : `its default export is not a configuration (found: ${typeof exported})`);
  }
  const config = exported as Record<string, unknown>;
  const unknown = Object.keys(config).filter((k) => k !== "rules" && k !== "severity");
  if (unknown.length > 0) fail(`unknown setting ${unknown.map((k) => `"${k}"`).join(", ")} (a configuration has rules and severity)`);
  if (config.rules !== undefined) {
    if (!Array.isArray(config.rules)) fail("rules must be a list of rules");
    (config.rules as unknown[]).forEach((rule, i) => {
      const r = rule as Partial<Rule> | null;
      if (typeof r !== "object" || r === null || typeof r.id !== "string" || typeof r.check !== "function") {
        fail(`rules[${i}] is not a rule: a rule is { id, severity, description, fix, check(tree) }`);
      }
      for (const field of ["description", "fix"] as const) {
        if (typeof r![field] !== "string" || r![field]!.trim() === "")
          fail(`rules[${i}] ("${r!.id}") needs a one-line ${field === "fix" ? "fix" : "description (why the rule exists)"}`);
      }
      if (r!.severity !== "error" && r!.severity !== "warning")
        fail(`rules[${i}] ("${r!.id}") has severity ${JSON.stringify(r!.severity)}: use "error" or "warning"`);
    });
  }
  if (config.severity !== undefined) {
    if (typeof config.severity !== "object" || config.severity === null || Array.isArray(config.severity))
      fail("severity must map rule ids to error, warning or off");
    for (const [id, level] of Object.entries(config.severity as Record<string, unknown>)) {
      if (!SEVERITIES.includes(level as string))
        fail(`severity of "${id}" must be "error", "warning" or "off" (found: ${JSON.stringify(level)})`);
    }
  }
  return config as JitiConfig;
}
