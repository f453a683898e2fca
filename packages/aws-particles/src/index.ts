export { Stack, Tags } from "@jiti/reconciler";
export { Vpc } from "./ec2/Vpc.js";
export type { VpcProps } from "./ec2/Vpc.js";
