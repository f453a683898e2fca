export {
  FakeCloud,
  fakeParticles,
  type BoxProps,
  type FakeOptions,
  type FakeResource,
  type GroupProps,
  type NetProps,
  type SubProps,
} from "./particles.js";
export { fakeWorld, summarise } from "./world.js";
