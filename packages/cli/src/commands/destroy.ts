import { prepareDestroy } from "@jiti/reconciler";
import { runOptions } from "../cli.js";
import { defineJitiCommand } from "../command.js";
import { runTargets, targetsArgs } from "./_targets.js";
import { stackLock, stackName } from "../load/index.js";
import { applyArgs, awsArgs, outputArgs, stackArgs } from "../options.js";
import { confirmAndApply } from "./_apply.js";

export const destroyCommand = defineJitiCommand({
  meta: { name: "destroy", description: "Delete everything the stack owns, found by its tags" },
  args: {
    ...stackArgs,
    stack: { type: "string", valueHint: "name", description: "The stack to destroy, by name (stack.tsx is then not read)" },
    yes: { type: "boolean", alias: "y", description: "Delete without asking (needed when stdin is not a terminal)" },
    ...awsArgs,
    ...applyArgs,
    ...targetsArgs,
    ...outputArgs,
  },
  async run(cli, flags) {
    if (flags.targets !== undefined) return runTargets(cli, "destroy", flags);
    return confirmAndApply(cli, {
      command: "destroy",
      outputs: false,
      yes: flags.yes,
      journal: flags.journal,
      refusal: {
        message: "jiti destroy deletes resources and asks first, but stdin is not a terminal, so nobody can answer",
        hint: "Review what would go with `jiti ls`, then run `jiti destroy --yes`",
      },
      async prepare() {
        const stack = await stackName(cli, flags, "destroy");
        return prepareDestroy(stack, { ...(await runOptions(cli, flags)), lock: await stackLock(), command: "destroy" });
      },
      planText: { destroy: true },
      question: (stack) => `Delete everything stack ${stack} owns?`,
      cancelled: "Cancelled: nothing was deleted.",
    });
  },
});
