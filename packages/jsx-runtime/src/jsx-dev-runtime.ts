import { createElement, Fragment, type ElementType, type JitiElement, type Source } from "./element.js";

export { Fragment };
export type { JSX } from "./jsx-namespace.js";

/**
 * Called by the compiler with `"jsx": "react-jsxdev"` (vitest, and the jiti
 * CLI when it loads `stack.tsx`): like `jsx`, plus where the element was
 * written, which render errors point at.
 */
export function jsxDEV(
  type: ElementType,
  props: Record<string, unknown>,
  key: string | number | undefined,
  _isStaticChildren?: boolean,
  source?: Source,
): JitiElement {
  return createElement(type, props, key, source);
}
