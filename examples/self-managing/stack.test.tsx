import { renderTree, walk } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import Workers from "./stack.js";

describe("examples/self-managing", () => {
  it("renders the smallest fleet", () => {
    expect(renderTree(<Workers env="dev" />)).toMatchSnapshot();
  });

  it("renders as many workers as asked, each its own element", () => {
    const nodes = [...walk(renderTree(<Workers env="dev" workers={3} />).children)];
    expect(nodes.filter((n) => n.type === "aws.ec2.Instance").map((n) => n.path)).toEqual(
      [0, 1, 2].map((i) => `Vpc:main/Subnet:private/Ec2:worker-${i}`),
    );
  });
});
