import { defineCommand } from "citty";
import { prepareApply } from "@jiti/reconciler";
import { runOptions, type Cli } from "../cli.js";
import { shownFile, stackElement } from "../load/index.js";
import { awsArgs, outputArgs, rejectUnknownFlags, stackArgs } from "../options.js";
import { hasChanges, planText } from "../show/plan.js";

const args = {
  ...stackArgs,
  "detailed-exitcode": { type: "boolean", description: "Exit with 2 when there are changes, 0 when there are none, 1 on error" },
  ...awsArgs,
  ...outputArgs,
} as const;

export function planCommand(cli: Cli) {
  return defineCommand({
    meta: { name: "plan", description: "Show what `jiti render` would change in AWS, changing nothing" },
    args,
    async run({ args: flags, rawArgs }) {
      rejectUnknownFlags("plan", rawArgs, args);
      const element = await stackElement(cli, flags);
      const { plan } = await prepareApply(element, await runOptions(cli, flags));
      cli.ui.emit("plan", { plan });
      cli.ui.print(planText(plan, cli.ui.out.c, { source: shownFile(flags) }));
      return flags["detailed-exitcode"] && hasChanges(plan) ? 2 : 0;
    },
  });
}
