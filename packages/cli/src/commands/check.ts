import { writeFile } from "node:fs/promises";
import { relative } from "node:path";
import { RenderError, renderStack } from "@jiti/reconciler";
import pkg from "../../package.json" with { type: "json" };
import { defineJitiCommand } from "../command.js";
import { builtInRules, loadedStack, shownFile } from "../load/index.js";
import { outputArgs, stackArgs } from "../options.js";
import { checkText, type Findings } from "../show/findings.js";
import { sarifLog } from "../show/sarif.js";

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
    const { element, options, config } = await loadedStack(cli, flags);
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
    if (flags.format === "sarif") {
      const log = `${JSON.stringify(sarifLog(found, [...(await builtInRules()), ...(options.rules ?? [])], pkg.version), null, 2)}\n`;
      if (flags.output) await writeFile(flags.output, log);
      else ui.out.write(log);
      return failed ? 1 : 0;
    }
    ui.emit("check", { ok: !failed, ...found, ...(config ? { config: relative(process.cwd(), config) } : {}) });
    const text = checkText(found, ui.out.c, shownFile(flags));
    if (flags.output) await writeFile(flags.output, `${text}\n`);
    else ui.print(text);
    return failed ? 1 : 0;
  },
});
