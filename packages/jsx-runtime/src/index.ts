export { ELEMENT, Fragment, isElement, isFragment, createElement } from "./element.js";
export type { Component, ElementType, JitiElement, JitiNode, Source } from "./element.js";
export { ref, isRef, REF } from "./ref.js";
export type { Ref, Kinded } from "./ref.js";
export { createContext, useContext, providerContext, withContextScope } from "./context.js";
export type { Context, ContextScope } from "./context.js";
export { jsx, jsxs } from "./jsx-runtime.js";
export { jsxDEV } from "./jsx-dev-runtime.js";
export type { JSX } from "./jsx-namespace.js";
