import type { DesiredState, Existing, JsonObject } from "./particle.js";

/** A rendered particle: plain JSON, what snapshot tests and plans see. */
export interface ParticleNode {
  /** `aws.ec2.Subnet` */
  type: string;
  /** The element's `name` (or `key`); absent for an only child of its type. */
  name?: string;
  /** `Vpc:main/Subnet:public-a`: identity of the resource, kept in its `jiti:path` tag. */
  path: string;
  state: DesiredState;
  /** Props with defaults applied, in canonical form; references as `{ "$ref": path }`. */
  props: JsonObject;
  /** Props whose change replaces the resource although they could be updated. */
  replaceOnChanges?: string[];
  /** Set when the element adopts a resource jiti does not own. */
  existing?: Existing;
  /** Rules the element is excused from, by id, with the reason. */
  waive?: Record<string, string>;
  /** Set when the element protects its resource from deletion and replacement. */
  protect?: true;
  children: ParticleNode[];
  /** `stack.tsx:12` */
  source?: string;
}

/** The rendered stack. */
export interface StackTree {
  /** Stack name: the `jiti:stack` tag of everything it owns. */
  stack: string;
  /** Tags put on every resource of the stack. */
  tags: Record<string, string>;
  /** `<Stack expires>` as written: a duration from each apply, or a date. */
  expires?: string;
  source?: string;
  children: ParticleNode[];
}

/** Every node, parents before children, in tree order. */
export function* walk(nodes: readonly ParticleNode[]): Generator<ParticleNode> {
  for (const node of nodes) {
    yield node;
    yield* walk(node.children);
  }
}
