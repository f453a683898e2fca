import type { JitiElement, JitiNode } from "./element.js";

/** The JSX types TypeScript checks `stack.tsx` against. */
export declare namespace JSX {
  type Element = JitiElement;
  /** Only components: there are no intrinsic elements in an infrastructure tree. */
  type ElementType = (props: any) => JitiNode;
  interface ElementChildrenAttribute {
    children: {};
  }
  interface IntrinsicAttributes {
    /** Identity among siblings when there is no `name` (e.g. in `.map()`). */
    key?: string | number;
  }
  interface IntrinsicElements {}
}
