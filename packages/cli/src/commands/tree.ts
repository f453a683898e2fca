import { renderTree } from "@jiti/reconciler";
import { loadedStack } from "../load/index.js";
import { defineJitiCommand } from "../command.js";
import { outputArgs, stackArgs } from "../options.js";

export const treeCommand = defineJitiCommand({
  meta: { name: "tree", description: "Print the rendered tree as JSON (no AWS calls)" },
  args: { ...stackArgs, ...outputArgs },
  async run(cli, flags) {
    const { element, options } = await loadedStack(cli, flags);
    const tree = renderTree(element, options);
    cli.timings?.lap("render");
    cli.ui.emit("tree", { tree });
    cli.ui.print(JSON.stringify(tree, null, 2));
    return 0;
  },
});
