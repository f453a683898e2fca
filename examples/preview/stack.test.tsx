import { renderTree } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import Preview from "./stack.js";

describe("examples/preview", () => {
  it("renders a pull request's preview, which expires 48 hours past its last apply", () => {
    const tree = renderTree(<Preview env="pr-123" />);
    expect(tree.stack).toBe("preview-pr-123");
    expect(tree.expires).toBe("48h");
    expect(tree).toMatchSnapshot();
  });
});
