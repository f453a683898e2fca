/**
 * Loading `stack.tsx`: from a command's flags to the element to render, and
 * the errors that loading can meet (shown by show/errors.ts).
 */
export { loadedStack, shownFile, stackFile, stackName } from "./from-flags.js";
export type { LoadedStack } from "./from-flags.js";
export { CONFIG_FILE } from "./config.js";
export { StackLoadError } from "./import.js";
export { CompileError } from "./compile.js";
export type { SourceSpot } from "./frames.js";
export { awsIdentity, builtInRules, particleCatalogue, stackLock } from "./modules.js";
export type { StackFlags } from "./from-flags.js";
