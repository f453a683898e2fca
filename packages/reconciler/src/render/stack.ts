import { createContext, createElement, useContext, type JitiElement, type JitiNode } from "@jiti/jsx-runtime";

export const STACK = Symbol.for("jiti.stack");

/** Props of `<Stack>`, the root of every tree. */
export interface StackProps {
  /**
   * Stack name: every resource the stack creates carries it in its
   * `jiti:stack` tag, and `jiti destroy --stack NAME` finds them by it.
   * Letters, digits and `-`, starting with a letter, at most 32 characters.
   * Changing it makes a new stack (and leaves the old one to destroy).
   */
  name: string;
  /** Tags put on every resource of the stack. Updated in place. */
  tags?: Record<string, string>;
  /**
   * How long the stack lives: a duration from each apply (`"8h"`, `"48h"`,
   * `"7d"`, `"2w"`, `"30m"`) or a date (`"2027-01-31"`,
   * `"2027-01-31T18:00Z"`). The time is tagged `jiti:expires` on every
   * resource and renewed by each apply, so a stack in use lives on; once it
   * has passed, `jiti sweep` destroys the stack. Never a change in a plan.
   */
  expires?: string;
  children?: JitiNode;
}

/** The root of every tree: names the stack and holds its particles. */
export function Stack(props: StackProps): JitiElement {
  return createElement(Stack, props as unknown as Record<string, unknown>, undefined, undefined);
}
Object.defineProperty(Stack, STACK, { value: true });

/** Whether `type` is the `Stack` component, from this copy of the package or another. */
export function isStack(type: unknown): boolean {
  return typeof type === "function" && (type as unknown as Record<symbol, unknown>)[STACK] === true;
}

/** Tags provided to everything below: the stack's, then every `<Tags>` around. */
export const tagsContext = createContext<Readonly<Record<string, string>>>({});

/** Adds tags to every resource inside it. Inner tags win over outer ones. */
export function Tags(props: { tags: Record<string, string>; children?: JitiNode }): JitiNode {
  const outer = useContext(tagsContext);
  return createElement(tagsContext.Provider, { value: { ...outer, ...props.tags }, children: props.children }, undefined, undefined);
}
