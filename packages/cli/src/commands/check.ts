import { writeFile } from "node:fs/promises";
import { relative } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { RenderError, renderStack } from "@jiti/reconciler";
import pkg from "../../package.json" with { type: "json" };
import { defineJitiCommand } from "../command.js";
import { builtInRules, loadedStack, shownFile, type LoadedStack } from "../load/index.js";
import { outputArgs, stackArgs } from "../options.js";
import { checkText, summaryLine, type Findings } from "../show/findings.js";
import { repositoryRoot, sarifLog, type SarifPlaces } from "../show/sarif.js";

export const checkCommand = defineJitiCommand({
  meta: { name: "check", description: "Check the stack against its rules and jiti.config.ts, without calling AWS" },
  args: {
    ...stackArgs,
    format: {
      type: "enum",
      options: ["text", "sarif"],
      default: "text",
      description: "The report as text, or as a SARIF log for code scanning",
    },
    output: { type: "string", alias: "o", valueHint: "file", description: "Write the report to this file (default: stdout)" },
    ...outputArgs,
  },
  async run(cli, flags) {
    const { ui } = cli;
    const file = shownFile(flags);
    const places = { cwd: process.cwd(), root: repositoryRoot(process.cwd()), stackFile: file };
    let loaded: LoadedStack;
    try {
      loaded = await loadedStack(cli, flags);
    } catch (error) {
      // Code scanning uploads whatever the check wrote: a stack that does not load still leaves a log that says so.
      if (flags.format === "sarif" && flags.output) await writeFile(flags.output, sarifText(failedToLoad(error, file), [], places));
      throw error;
    }
    const { element, options, config } = loaded;
    let found: Findings;
    try {
      const rendered = renderStack(element, options);
      found = { errors: [], warnings: rendered.warnings, waived: rendered.waived };
    } catch (error) {
      if (!(error instanceof RenderError)) throw error;
      found = { errors: error.problems, warnings: error.warnings, waived: error.waived };
    }
    cli.timings?.lap("render");
    const failed = found.errors.length > 0;
    const usedConfig = config ? relative(process.cwd(), config) || config : undefined;
    if (flags.format === "sarif") {
      const log = sarifText(found, [...(await builtInRules()), ...(options.rules ?? [])], places);
      if (flags.output) {
        await writeFile(flags.output, log);
        // The log went to a file: the CI log still says how the check ended.
        ui.err.write(`${summaryLine(found, file)} SARIF written to ${flags.output}.\n`);
      } else ui.out.write(log);
      return failed ? 1 : 0;
    }
    ui.emit("check", { ok: !failed, ...found, ...(usedConfig ? { config: usedConfig } : {}) });
    const text = checkText(found, ui.out.c, file, usedConfig);
    if (flags.output) {
      await writeFile(flags.output, `${stripVTControlCharacters(text)}\n`);
      ui.err.write(`${summaryLine(found, file)} Report written to ${flags.output}.\n`);
    } else ui.print(text);
    return failed ? 1 : 0;
  },
});

function sarifText(found: Findings, rules: Parameters<typeof sarifLog>[1], places: SarifPlaces): string {
  return `${JSON.stringify(sarifLog(found, rules, pkg.version, places), null, 2)}\n`;
}

/** A stack that failed to load, as one finding at the line the error names, if any. */
function failedToLoad(error: unknown, file: string): Findings {
  const spot = (error as { spot?: { file: string; line: number } }).spot;
  const message = error instanceof Error ? error.message : String(error);
  return {
    errors: [
      {
        path: "",
        type: "jiti.Stack",
        message: `the stack could not be loaded: ${message}`,
        fix: "Run jiti check to see the error",
        source: spot ? `${spot.file}:${spot.line}` : `${file}:1`,
        rule: "load-error",
      },
    ],
    warnings: [],
    waived: [],
  };
}
