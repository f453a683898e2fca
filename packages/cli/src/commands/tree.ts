import { defineCommand } from "citty";
import { renderTree } from "@jiti/reconciler";
import type { Cli } from "../cli.js";
import { stackElement } from "../load/index.js";
import { outputArgs, rejectUnknownFlags, stackArgs } from "../options.js";

const args = { ...stackArgs, ...outputArgs } as const;

export function treeCommand(cli: Cli) {
  return defineCommand({
    meta: { name: "tree", description: "Print the rendered tree as JSON (no AWS calls)" },
    args,
    async run({ args: flags, rawArgs }) {
      rejectUnknownFlags("tree", rawArgs, args);
      const tree = renderTree(await stackElement(cli, flags));
      cli.timings?.lap("render");
      cli.ui.emit("tree", { tree });
      cli.ui.print(JSON.stringify(tree, null, 2));
      return 0;
    },
  });
}
