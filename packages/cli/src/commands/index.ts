/** The `jiti` commands, one file each; main.ts lists them in the order --help shows them. */
export { destroyCommand } from "./destroy.js";
export { graphCommand } from "./graph.js";
export { localCommand } from "./local.js";
export { lsCommand } from "./ls.js";
export { planCommand } from "./plan.js";
export { renderCommand } from "./render.js";
export { treeCommand } from "./tree.js";
