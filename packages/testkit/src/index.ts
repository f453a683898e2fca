/**
 * What tests share, from one place: `import { useMoto, jiti, fakeWorld } from "@jiti/testkit"`.
 * This entry is for test files (it uses vitest's hooks); code that runs
 * outside a test imports `@jiti/testkit/moto-server`, `/proxy`, `/build` or `/fake`.
 */
export { useMoto, type MotoHandle, type SharedMoto } from "./moto/use-moto.js";
export {
  awsEnvironment,
  pointAwsAt,
  startMoto,
  type MotoCall,
  type MotoDescriptor,
  type MotoOptions,
  type MotoServer,
} from "./moto/server.js";
export { holdCall, type HeldCall } from "./moto/hold-call.js";
export {
  startAwsProxy,
  type ArrivingCall,
  type AwsProxy,
  type AwsProxyOptions,
  type Fault,
  type FaultKind,
  type FaultRule,
  type Injected,
  type ProxyCall,
  type RandomFaults,
} from "./proxy/aws-proxy.js";
export { countCalls, type CallCounter, type MiddlewareClient } from "./sdk-calls.js";
export { BIN, CLI_VERSION, ensureBuilt } from "./cli/build.js";
export {
  jiti,
  jsonLines,
  mutations,
  normalise,
  startJiti,
  useJiti,
  type Fixture,
  type Fixtures,
  type CliRun,
  type RunningJiti,
  type CliRunOptions,
} from "./cli/jiti.js";
export * from "./fake/index.js";
