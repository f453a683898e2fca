import { lifetimeOf, planDestroy } from "@jiti/reconciler";
import { runOptions } from "../cli.js";
import { defineJitiCommand } from "../command.js";
import { stackName } from "../load/index.js";
import { awsArgs, outputArgs, stackArgs } from "../options.js";
import { resourcesText } from "../show/resources.js";

export const lsCommand = defineJitiCommand({
  meta: { name: "ls", description: "List the live resources the stack owns: type, path, id, state" },
  args: {
    ...stackArgs,
    stack: { type: "string", valueHint: "name", description: "The stack to list, by name (stack.tsx is then not read)" },
    ...awsArgs,
    ...outputArgs,
  },
  async run(cli, flags) {
    const stack = await stackName(cli, flags, "ls");
    // Everything the stack owns is what a destroy would find: one list call per kind.
    const { snapshot } = await planDestroy(stack, await runOptions(cli, flags));
    // In tree order (a VPC before its subnets), then by id for duplicates.
    const resources = snapshot.owned
      .map((r) => ({ type: r.type, path: r.path ?? null, id: r.id, state: r.status ?? null }))
      .sort((a, b) => (a.path ?? "").localeCompare(b.path ?? "") || a.id.localeCompare(b.id));
    const { expires } = lifetimeOf(snapshot.owned);
    cli.ui.emit("resources", { stack, resources, ...(expires ? { expires } : {}) });
    cli.ui.print(resourcesText(stack, resources, cli.ui.out.c, expires));
    return 0;
  },
});
