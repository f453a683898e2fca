/**
 * The stages on their own, for the workspace's CLI, tests and benchmarks
 * only: exported under the "jiti-source" condition alone, so nothing
 * outside the workspace can import it and it may change at any time.
 */
export { read, catalogue } from "./read.js";
export type { Catalogue, ReadOptions, Snapshot } from "./read.js";
export { planActions } from "./plan/index.js";
export { execute, steps } from "./execute/index.js";
export type { ExecuteOptions } from "./execute/index.js";
