/**
 * Loading `stack.tsx`: from a command's flags to the element to render, and
 * the errors that loading can meet (shown by show/errors.ts).
 */
export { renderOptions, shownFile, stackElement, stackName } from "./_from-flags.js";
export { StackLoadError } from "./_load-stack.js";
export { CompileError } from "./_compile.js";
export type { SourceSpot } from "./_frames.js";
export { particleCatalogue } from "./_modules.js";
export type { StackFlags } from "./_from-flags.js";
