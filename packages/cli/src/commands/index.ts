import type { JitiCommand } from "../command.js";
import { checkCommand } from "./check.js";
import { destroyCommand } from "./destroy.js";
import { graphCommand } from "./graph.js";
import { initCommand } from "./init.js";
import { localCommand } from "./local.js";
import { lsCommand } from "./ls.js";
import { permissionsCommand } from "./permissions.js";
import { planCommand } from "./plan.js";
import { renderCommand } from "./render.js";
import { stacksCommand } from "./stacks.js";
import { sweepCommand } from "./sweep.js";
import { treeCommand } from "./tree.js";
import { unlockCommand } from "./unlock.js";
import { watchCommand } from "./watch.js";

/** The `jiti` commands, one file each, in the order --help lists them: a new command is its file and a line here. */
export const commands: readonly JitiCommand[] = [
  initCommand,
  renderCommand,
  planCommand,
  checkCommand,
  destroyCommand,
  watchCommand,
  lsCommand,
  stacksCommand,
  sweepCommand,
  treeCommand,
  graphCommand,
  permissionsCommand,
  unlockCommand,
  localCommand,
];
