import { isElement } from "@jiti/jsx-runtime";
import { expect, test } from "vitest";

function Box(_props: { size: number }) {
  return null;
}

// Render errors point at stack.tsx file:line, which only `jsxDEV` receives:
// this fails if vitest.config.ts compiles JSX in production mode (`jsx`,
// no source) or with another runtime.
test("vitest compiles .tsx through @jiti/jsx-runtime's jsxDEV, so elements know where they were written", () => {
  const element = <Box size={1} />;

  expect(isElement(element)).toBe(true);
  expect(element.props).toEqual({ size: 1 });
  expect(element.source).toMatchObject({
    fileName: expect.stringMatching(/packages\/jsx-runtime\/test\/jsx-transform\.test\.tsx$/),
    lineNumber: 12,
  });
});
