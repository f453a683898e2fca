import { createElement, isElement, isFragment, providerContext, type JitiElement, type JitiNode } from "@jiti/jsx-runtime";
import { isStack, particleOf } from "@jiti/reconciler";

/**
 * `--stack NAME`: renders `element` as if its `<Stack>` had `name={NAME}`.
 *
 * The name must change before render, not in the rendered tree: render puts
 * it in every resource's default `Name` tag (`<stack>/<path>`) and validates
 * it. So the root is wrapped in a component that walks down to the `<Stack>`
 * the way render does (calling the components above it, inside render's
 * context scope) and returns a copy with the new name. Context providers
 * above the stack are kept, with the walk continuing inside them.
 */
export function withStackName(element: JitiNode, name: string): JitiElement {
  return createElement(StackName, { element, name }, undefined, undefined);
}

function StackName({ element, name }: { element: JitiNode; name: string }): JitiNode {
  let node: unknown = element;
  for (let depth = 0; depth < 100 && isElement(node); depth++) {
    const { type, props, key, source } = node;
    if (isStack(type)) return createElement(type, { ...props, name }, key, source);
    if (providerContext(type)) {
      const children = withStackName((props as { children?: JitiNode }).children, name);
      return createElement(type, { ...props, children }, key, source);
    }
    if (isFragment(type) || particleOf(type)) break;
    try {
      node = type(props);
    } catch {
      // Let render call the component again: it reports the error with the
      // component's name and file:line, which this wrapper does not have.
      return node as JitiNode;
    }
  }
  // No <Stack> at the root: render says so.
  return node as JitiNode;
}
