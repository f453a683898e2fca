import { describe, expect, test } from "vitest";
import { createElement, isElement } from "@jiti/jsx-runtime";

const Box = (props: { children?: unknown }) => props.children as never;

describe("createElement", () => {
  test("makes a frozen element with its key as a string", () => {
    const element = createElement(Box, { children: "x" }, 7, undefined);
    expect(isElement(element)).toBe(true);
    expect(element.key).toBe("7");
    expect(element.props).toEqual({ children: "x" });
    expect(Object.isFrozen(element)).toBe(true);
  });

  test("called as React's createElement(type, props, child), fails rather than dropping the child", () => {
    const child = createElement(Box, {}, undefined, undefined);
    // The way a plain-JavaScript caller used to React writes it.
    const reactStyle = createElement as unknown as (type: unknown, props: object, ...children: unknown[]) => unknown;
    expect(() => reactStyle(Box, {}, child)).toThrow(
      "jiti: createElement's third argument is the element's key, not a child (found: an element). Pass children in props",
    );
    expect(() => reactStyle(Box, {}, [child])).toThrow("(found: object)");
  });
});
