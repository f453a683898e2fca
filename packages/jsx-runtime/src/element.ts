/**
 * Elements are plain objects branded with a registered symbol rather than
 * class instances, so two copies of this package (the user's and the one
 * bundled into the CLI) still recognise each other's elements.
 */
export const ELEMENT = Symbol.for("jiti.element");
export const FRAGMENT = Symbol.for("jiti.fragment");

/** Where an element was written, as recorded by `jsxDEV`. */
export interface Source {
  fileName: string;
  lineNumber: number;
  columnNumber?: number;
}

/** A function component: a reusable piece of infrastructure. */
export type Component<P = any> = (props: P) => JitiNode;

export type ElementType = Component | typeof Fragment;

export interface JitiElement<P = any> {
  readonly $$typeof: typeof ELEMENT;
  readonly type: ElementType;
  readonly props: P;
  readonly key: string | undefined;
  readonly source: Source | undefined;
}

/** Anything a component may return or take as children. */
export type JitiNode = JitiElement | readonly JitiNode[] | null | undefined | boolean;

/** `<>…</>`: groups children without adding a level to the tree. */
export function Fragment(props: { children?: JitiNode }): JitiNode {
  return props.children;
}
Object.defineProperty(Fragment, FRAGMENT, { value: true });

export function isElement(value: unknown): value is JitiElement {
  return typeof value === "object" && value !== null && (value as { $$typeof?: unknown }).$$typeof === ELEMENT;
}

export function isFragment(type: unknown): boolean {
  return typeof type === "function" && (type as unknown as Record<symbol, unknown>)[FRAGMENT] === true;
}

export function createElement(
  type: ElementType,
  props: Record<string, unknown>,
  key: string | number | undefined,
  source: Source | undefined,
): JitiElement {
  if (typeof type !== "function") {
    // Intrinsic elements (`<div>`) have no meaning in an infrastructure tree.
    throw new TypeError(
      `jiti: <${String(type)}> is not a component (found: ${typeof type}). ` +
        `Import a particle such as Vpc from "@jiti/aws-particles", or a component of your own.`,
    );
  }
  return Object.freeze({
    $$typeof: ELEMENT,
    type,
    props,
    key: key === undefined || key === null ? undefined : String(key),
    source,
  });
}
