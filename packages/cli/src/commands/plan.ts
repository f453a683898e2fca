import { prepareApply } from "@jiti/reconciler";
import { runOptions } from "../cli.js";
import { loadedStack, shownFile } from "../load/index.js";
import { defineJitiCommand } from "../command.js";
import { runTargets, targetsArgs } from "./_targets.js";
import { awsArgs, outputArgs, refreshArgs, refreshOptions, stackArgs } from "../options.js";
import { findingsText } from "../show/findings.js";
import { hasChanges, planText } from "../show/plan.js";

export const planCommand = defineJitiCommand({
  meta: { name: "plan", description: "Show what `jiti render` would change in AWS, changing nothing" },
  args: {
    ...stackArgs,
    "detailed-exitcode": { type: "boolean", description: "Exit with 2 when there are changes, 0 when there are none, 1 on error" },
    ...refreshArgs,
    ...awsArgs,
    ...targetsArgs,
    ...outputArgs,
  },
  async run(cli, flags) {
    if (flags.targets !== undefined) return runTargets(cli, "plan", flags);
    const { element, options } = await loadedStack(cli, flags);
    const { plan, warnings, waived } = await prepareApply(element, {
      ...(await runOptions(cli, flags)),
      ...options,
      ...refreshOptions(flags),
    });
    cli.ui.emit("plan", { plan, warnings, waived });
    cli.ui.print(`${findingsText({ warnings, waived }, cli.ui.out.c)}${planText(plan, cli.ui.out.c, { source: shownFile(flags) })}`);
    return flags["detailed-exitcode"] && hasChanges(plan) ? 2 : 0;
  },
});
