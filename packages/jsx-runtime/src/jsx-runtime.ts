import { createElement, Fragment, type ElementType, type JitiElement } from "./element.js";

export { Fragment };
export type { JSX } from "./jsx-namespace.js";

/** Called by the compiler for `<X …/>` with `"jsx": "react-jsx"`. */
export function jsx(type: ElementType, props: Record<string, unknown>, key?: string | number): JitiElement {
  return createElement(type, props, key, undefined);
}

/** Same as `jsx`, for elements with several static children. */
export const jsxs = jsx;
