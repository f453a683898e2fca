import { prepareApply, type RunOptions } from "@jiti/reconciler";
import { runOptions } from "../cli.js";
import { defineJitiCommand } from "../command.js";
import { confirm } from "../_confirm.js";
import { CliError } from "../cli-error.js";
import { shownFile, stackElement } from "../load/index.js";
import { startEmulator, type Emulator } from "../local.js";
import { applyArgs, awsArgs, EMULATOR_CREDENTIALS, EMULATOR_REGION, outputArgs, stackArgs } from "../options.js";
import { applyChanges } from "../_apply.js";
import { hasChanges, planText } from "../show/plan.js";

export const renderCommand = defineJitiCommand({
  meta: { name: "render", description: "Make live AWS match stack.tsx: plan, confirm, apply" },
  args: {
    ...stackArgs,
    yes: { type: "boolean", alias: "y", description: "Apply without asking (needed when stdin is not a terminal)" },
    local: { type: "boolean", description: "Run against a temporary local AWS emulator (moto_server); nothing persists" },
    ...awsArgs,
    ...applyArgs,
    ...outputArgs,
  },
  async run(cli, flags) {
    const { ui } = cli;
    // Refuse before reading anything: a run that cannot be confirmed must
    // not hang on a question nobody sees, nor change AWS unasked.
    if (!flags.yes && !ui.interactive) {
      throw new CliError(
        "jiti render changes AWS and asks first, but stdin is not a terminal, so nobody can answer",
        "Review the changes with `jiti plan`, then run `jiti render --yes`",
      );
    }
    const element = await stackElement(cli, flags);
    let emulator: Emulator | undefined;
    try {
      let local: RunOptions = {};
      if (flags.local) {
        emulator = await startEmulator();
        local = { endpoint: emulator.endpoint, credentials: { ...EMULATOR_CREDENTIALS }, region: EMULATOR_REGION };
        ui.print(ui.out.c.cyan(`Using a temporary local AWS emulator at ${emulator.endpoint}: nothing will persist after this run.\n`));
        ui.emit("local", { endpoint: emulator.endpoint, persistent: false });
      }
      const prepared = await prepareApply(element, await runOptions(cli, flags, local));
      const { plan } = prepared;
      ui.emit("plan", { plan });
      ui.print(planText(plan, ui.out.c, { source: shownFile(flags) }));
      if (hasChanges(plan) && !flags.yes) {
        ui.print();
        if (!(await confirm(ui, `Apply these changes to stack ${ui.out.c.bold(plan.stack)}?`))) {
          ui.print("Cancelled: nothing was changed.");
          ui.emit("result", { ok: false, cancelled: true });
          return 1;
        }
      }
      return await applyChanges(cli, prepared, { command: "render", journal: flags.journal });
    } finally {
      if (emulator) {
        await emulator.stop();
        ui.print(ui.out.c.dim("\nThe local emulator has stopped; everything it held is gone."));
      }
    }
  },
});
