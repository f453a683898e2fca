import { listStacks } from "@jiti/reconciler";
import { runOptions } from "../cli.js";
import { defineJitiCommand } from "../command.js";
import { awsArgs, outputArgs } from "../options.js";
import { stacksText } from "../show/stacks.js";
import { whereText } from "./_where.js";

export const stacksCommand = defineJitiCommand({
  meta: { name: "stacks", description: "List every jiti stack in the account and region, from tags alone" },
  args: { ...awsArgs, ...outputArgs },
  async run(cli, flags) {
    const options = await runOptions(cli, flags);
    const [stacks, where] = await Promise.all([listStacks(options), whereText(options)]);
    cli.ui.emit("stacks", { where: where.identity, stacks });
    cli.ui.print(stacksText(stacks, where.text, cli.ui.out.c));
    return 0;
  },
});
