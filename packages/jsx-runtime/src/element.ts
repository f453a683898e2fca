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

/** What may stand in a tag: a component, or `Fragment` for `<>…</>`. Intrinsic tags (`<div>`) are refused. */
export type ElementType = Component | typeof Fragment;

/** What `<X …/>` evaluates to: a frozen record of the component, its props, key and source; nothing runs until the tree is rendered. */
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

/** Whether `value` is an element, made by this copy of the package or another (it reads the `ELEMENT` brand). */
export function isElement(value: unknown): value is JitiElement {
  return typeof value === "object" && value !== null && (value as { $$typeof?: unknown }).$$typeof === ELEMENT;
}

/** Whether `type` is `Fragment`, from any copy of the package. */
export function isFragment(type: unknown): boolean {
  return typeof type === "function" && (type as unknown as Record<symbol, unknown>)[FRAGMENT] === true;
}

/**
 * Makes an element; what `jsx` and `jsxDEV` call. `key` is kept as a string,
 * `source` is where the element was written, if known. Throws a TypeError for
 * anything but a function in `type` (`<div>` means nothing here).
 */
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
  if (key !== undefined && key !== null && typeof key !== "string" && typeof key !== "number") {
    // React's createElement(type, props, ...children) is not this one: a child here would silently vanish.
    throw new TypeError(
      `jiti: createElement's third argument is the element's key, not a child (found: ${isElement(key) ? "an element" : typeof key}). ` +
        "Pass children in props: createElement(Vpc, { name, cidr, children: [...] }, undefined, undefined), or use jsx() from @jiti/jsx-runtime/jsx-runtime.",
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
