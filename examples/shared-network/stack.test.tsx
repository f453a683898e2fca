import { renderTree, walk } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import Reports from "./stack.js";

describe("examples/shared-network", () => {
  it("renders dev", () => {
    expect(renderTree(<Reports env="dev" />)).toMatchSnapshot();
  });

  it("adopts the shared VPC and subnet, and makes only its own resources", () => {
    const nodes = [...walk(renderTree(<Reports env="prod" />).children)];
    expect(nodes.filter((n) => n.existing).map((n) => [n.path, n.existing])).toEqual([
      ["Vpc:shared", { tags: { "platform:network": "prod" } }],
      ["Vpc:shared/Subnet:private-a", { tags: { "platform:network": "prod", "platform:tier": "private", "platform:zone": "0" } }],
    ]);
    expect(nodes.filter((n) => !n.existing).map((n) => n.type)).toEqual(["aws.ec2.SecurityGroup", "aws.ec2.Instance", "aws.ec2.Subnet"]);
  });
});
