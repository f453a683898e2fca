import { providerContext, withContextScope, type ContextScope } from "./context.js";
import { isElement, isFragment, type ElementType, type JitiElement, type JitiNode, type Source } from "./element.js";
import { isRef } from "./ref.js";

/**
 * The one way through a JSX tree, shared by everything that renders one (the
 * stack, down to and inside its `<Stack>`, and userData): children are flattened as React
 * does them (arrays, fragments, `null`, `false`), context providers extend
 * the scope, function components are called inside that scope, and every
 * element the caller renders itself (a particle, a step) is handed to it.
 * The walker knows nothing of what those elements mean.
 */
export interface JsxVisitor<State> {
  /** Whether the caller renders elements of this type itself, rather than calling them as components. */
  isHost(type: ElementType): boolean;
  /** An element the caller renders; it walks the element's children itself, with `walkJsx`, if it has any. */
  host(element: JitiElement, at: Place<State>): void;
  /** A child that is not an element: text, a number, an object, a function. */
  stray(value: unknown, at: Place<State>): void;
  /** A function component threw, or nested too deep: what went wrong, in the words every renderer uses. */
  failed(failure: ComponentFailure, at: Place<State>): void;
}

/** Where the walk is: the caller's own state, the context in scope, and the component whose output this is. */
export interface Place<State> {
  state: State;
  scope: ContextScope | undefined;
  /** The innermost function component whose output is being walked; undefined right inside a host element or at the root. */
  owner: Owner | undefined;
  /** How many components deep the walk is, which bounds a component that renders itself. */
  depth?: number;
}

/** The function component a node came from, named in messages about it. */
export interface Owner {
  /** `WebApp`, or `(anonymous component)`. */
  name: string;
  /** Where the component's element was written. */
  source: Source | undefined;
}

/** A component that could not be rendered: which one, what went wrong and what to do. */
export interface ComponentFailure {
  component: Owner;
  message: string;
  fix: string;
}

/** Deeper than any real tree; a component rendering itself would otherwise end in a stack overflow. */
const MAX_DEPTH = 500;

/**
 * Walks `node` as described on `JsxVisitor`: calls the components, hands each
 * host element, stray value and failed component to `visitor`; text that
 * is only whitespace is skipped. It never throws
 * for a component's error: that goes to `visitor.failed`.
 */
export function walkJsx<State>(node: unknown, at: Place<State>, visitor: JsxVisitor<State>): void {
  if (node === null || node === undefined || typeof node === "boolean") return;
  // Whitespace between elements (`<Subnet/> {/* web tier */}` on one line) is layout, not a child: React keeps it
  // as text, but among particles and userData steps it means nothing. Real text still reaches `stray`.
  if (typeof node === "string" && node.trim() === "") return;
  if (Array.isArray(node)) {
    for (const child of node) walkJsx(child, at, visitor);
    return;
  }
  if (!isElement(node)) {
    visitor.stray(node, at);
    return;
  }
  const { type, props } = node as JitiElement<{ children?: JitiNode; value?: unknown }>;
  if (isFragment(type)) return walkJsx(props.children, at, visitor);
  const context = providerContext(type);
  if (context) return walkJsx(props.children, { ...at, scope: { context, value: props.value, parent: at.scope } }, visitor);
  if (visitor.isHost(type)) return visitor.host(node, at);

  // A component written without a location (compiled without jsxDEV) is placed where its caller was.
  const owner: Owner = { name: componentName(type), source: node.source ?? at.owner?.source };
  const depth = (at.depth ?? 0) + 1;
  if (depth > MAX_DEPTH) {
    const message = `components nest more than ${MAX_DEPTH} deep`;
    return visitor.failed({ component: owner, message, fix: "Check for a component that renders itself" }, at);
  }
  let rendered: JitiNode;
  try {
    rendered = withContextScope(at.scope, () => (type as (props: unknown) => JitiNode)(props));
  } catch (error) {
    const message = `the component threw: ${error instanceof Error ? error.message : String(error)}`;
    return visitor.failed({ component: owner, message, fix: "Fix the component, or the props it was given" }, at);
  }
  walkJsx(rendered, { ...at, owner, depth }, visitor);
}

/** How messages name a component. */
export function componentName(type: unknown): string {
  return (typeof type === "function" && type.name) || "(anonymous component)";
}

/** What a child that is not an element the caller takes is, for messages: `Text`, `A number`, `An object with keys {a}`. */
export function describeChild(value: unknown): string {
  if (typeof value === "string") return "Text";
  if (typeof value === "number") return "A number";
  if (typeof value === "function") return "A function";
  if (isRef(value)) return "A ref";
  if (isElement(value)) return `<${componentName(value.type)}>`;
  if (Array.isArray(value)) return `An array of ${value.length}`;
  if (typeof value === "object" && value !== null) return `An object with keys {${Object.keys(value).join(", ")}}`;
  return `A ${typeof value}`;
}
