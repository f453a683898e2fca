import type { JitiNode } from "./element.js";

export const CONTEXT = Symbol.for("jiti.context");

/** A value handed down the tree without passing props: made by `createContext`, set by its `Provider`, read with `useContext`. */
export interface Context<T> {
  readonly $$typeof: typeof CONTEXT;
  readonly defaultValue: T;
  /** `<Ctx.Provider value={…}>` sets the value for everything inside it. */
  readonly Provider: (props: { value: T; children?: JitiNode }) => JitiNode;
}

/** An immutable chain of provided values, innermost first. */
export interface ContextScope {
  readonly context: Context<unknown>;
  readonly value: unknown;
  readonly parent: ContextScope | undefined;
}

/**
 * The scope of the component being called right now. Like React's dispatcher,
 * `useContext` needs to know which component is rendering; the renderer sets
 * this around each component call only. It lives on `globalThis` under a
 * registered symbol so every copy of this package shares it.
 */
const SCOPE = Symbol.for("jiti.contextScope");
interface ScopeHolder {
  [SCOPE]?: { rendering: boolean; scope: ContextScope | undefined };
}
function holder() {
  const g = globalThis as ScopeHolder;
  return (g[SCOPE] ??= { rendering: false, scope: undefined });
}

/** Creates a context; `useContext` answers `defaultValue` where no `Provider` of it encloses the component. */
export function createContext<T>(defaultValue: T): Context<T> {
  const context: Context<T> = {
    $$typeof: CONTEXT,
    defaultValue,
    Provider: (props) => props.children,
  };
  Object.defineProperty(context.Provider, CONTEXT, { value: context });
  return Object.freeze(context);
}

/** The context a Provider component provides, if `type` is one. */
export function providerContext(type: unknown): Context<unknown> | undefined {
  if (typeof type !== "function") return undefined;
  return (type as unknown as Record<symbol, Context<unknown> | undefined>)[CONTEXT];
}

/** Reads the nearest provided value of `context`, or its default. */
export function useContext<T>(context: Context<T>): T {
  const h = holder();
  if (!h.rendering) {
    throw new Error("jiti: useContext() was called outside a component. Call it inside a function component while the stack renders.");
  }
  for (let s = h.scope; s; s = s.parent) {
    if (s.context === context) return s.value as T;
  }
  return context.defaultValue;
}

/** Runs `fn` (a component call) with `scope` as the current context scope. */
export function withContextScope<R>(scope: ContextScope | undefined, fn: () => R): R {
  const h = holder();
  const previous = { rendering: h.rendering, scope: h.scope };
  h.rendering = true;
  h.scope = scope;
  try {
    return fn();
  } finally {
    h.rendering = previous.rendering;
    h.scope = previous.scope;
  }
}
