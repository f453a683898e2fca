/**
 * Loading `stack.tsx`: from a command's flags to the element to render, and
 * the errors that loading can meet (shown by show/errors.ts).
 */
export { loadedStack, shownFile, stackName } from "./_from-flags.js";
export type { LoadedStack } from "./_from-flags.js";
export { CONFIG_FILE } from "./_config.js";
export { StackLoadError } from "./_import.js";
export { CompileError } from "./_compile.js";
export type { SourceSpot } from "./_frames.js";
export { builtInRules, particleCatalogue, stackLock } from "./_modules.js";
export type { StackFlags } from "./_from-flags.js";
