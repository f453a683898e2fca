import { prepareDestroy } from "@jiti/reconciler";
import { applyChanges } from "../_apply.js";
import { runOptions } from "../cli.js";
import { defineJitiCommand } from "../command.js";
import { confirm } from "../_confirm.js";
import { CliError } from "../cli-error.js";
import { stackName } from "../load/index.js";
import { applyArgs, awsArgs, outputArgs, stackArgs } from "../options.js";
import { hasChanges, planText } from "../show/plan.js";

export const destroyCommand = defineJitiCommand({
  meta: { name: "destroy", description: "Delete everything the stack owns, found by its tags" },
  args: {
    ...stackArgs,
    stack: { type: "string", valueHint: "name", description: "The stack to destroy, by name (stack.tsx is then not read)" },
    yes: { type: "boolean", alias: "y", description: "Delete without asking (needed when stdin is not a terminal)" },
    ...awsArgs,
    ...applyArgs,
    ...outputArgs,
  },
  async run(cli, flags) {
    const { ui } = cli;
    if (!flags.yes && !ui.interactive) {
      throw new CliError(
        "jiti destroy deletes resources and asks first, but stdin is not a terminal, so nobody can answer",
        "Review what would go with `jiti ls`, then run `jiti destroy --yes`",
      );
    }
    const stack = await stackName(cli, flags, "destroy");
    const prepared = await prepareDestroy(stack, await runOptions(cli, flags));
    ui.emit("plan", { plan: prepared.plan });
    ui.print(planText(prepared.plan, ui.out.c, { destroy: true }));
    if (!hasChanges(prepared.plan)) {
      ui.emit("result", { ok: true, summary: prepared.plan.summary });
      return 0;
    }
    if (!flags.yes) {
      ui.print();
      if (!(await confirm(ui, `Delete everything stack ${ui.out.c.bold(stack)} owns?`))) {
        ui.print("Cancelled: nothing was deleted.");
        ui.emit("result", { ok: false, cancelled: true });
        return 1;
      }
    }
    return applyChanges(cli, prepared, { command: "destroy", journal: flags.journal });
  },
});
