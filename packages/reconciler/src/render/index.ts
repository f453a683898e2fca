export { renderStack, renderTree } from "./render.js";
export type { RenderOptions, Rendered } from "./render.js";
export { formatSource } from "./source.js";
export { Stack, Tags, tagsContext, isStack } from "./stack.js";
export type { StackProps } from "./stack.js";
