import { durationMs, planSweep, sweep, type SweepOptions } from "@jiti/reconciler";
import { runOptions } from "../cli.js";
import { CliError } from "../cli-error.js";
import { defineJitiCommand } from "../command.js";
import { stackLock } from "../load/index.js";
import { awsArgs, outputArgs } from "../options.js";
import { showError } from "../show/errors.js";
import { sweepText } from "../show/stacks.js";
import { whereText } from "./_where.js";

export const sweepCommand = defineJitiCommand({
  meta: { name: "sweep", description: "Destroy the stacks whose expiry has passed (a plan unless --yes)" },
  args: {
    yes: { type: "boolean", alias: "y", description: "Destroy them: without it, sweep only shows what it would destroy" },
    "older-than": { type: "string", valueHint: "duration", description: "Only stacks made longer ago than this: 12h, 7d, 2w" },
    match: { type: "string", valueHint: "pattern", description: "Only stacks whose name matches, * for any characters: 'pr-*'" },
    ...awsArgs,
    ...outputArgs,
  },
  async run(cli, flags) {
    const { ui } = cli;
    const c = ui.out.c;
    const options: SweepOptions = { ...(await runOptions(cli, flags)), lock: await stackLock(), command: "sweep" };
    if (flags["older-than"] !== undefined) options.olderThan = flags["older-than"];
    if (flags.match !== undefined) options.match = flags.match;
    if (options.olderThan !== undefined && durationMs(options.olderThan) === undefined)
      throw new CliError(
        `--older-than must be a duration (found: ${JSON.stringify(options.olderThan)})`,
        "Use minutes, hours, days or weeks from 1: 30m, 12h, 7d, 2w",
      );
    // Said first: what a sweep acts on is the account and region these credentials reach, whichever they are.
    const where = await whereText(options);
    ui.emit("where", where.identity);
    ui.print(`Sweeping ${c.bold(where.text)} as ${where.identity.arn}.\n`);
    if (!flags.yes) {
      const planned = await planSweep(options);
      ui.emit("sweep", planned);
      ui.print(sweepText(planned.stacks, where.text, c));
      if (planned.stacks.some((e) => e.sweep)) ui.print(`\nNothing was changed: run ${c.bold("jiti sweep --yes")} to destroy them.`);
      return 0;
    }
    const result = await sweep(options);
    ui.emit("sweep", result);
    ui.print(sweepText(result.stacks, where.text, c));
    ui.print();
    for (const d of result.destroyed) ui.print(`${c.green("destroyed")} ${c.bold(d.stack)}: ${d.plan.summary.delete} resources deleted.`);
    for (const s of result.spared) ui.print(`${c.yellow("spared")} ${c.bold(s.stack)}: ${s.reason}.`);
    for (const f of result.failed) {
      ui.print(`${c.red("failed")} ${c.bold(f.stack)}:\n${showError(f.error, c, { command: "sweep", debug: flags.debug === true }).text}`);
    }
    ui.emit("result", {
      ok: result.failed.length === 0,
      destroyed: result.destroyed.map((d) => d.stack),
      failed: result.failed.map((f) => f.stack),
    });
    return result.failed.length > 0 ? 1 : 0;
  },
});
