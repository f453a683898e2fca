import { renderTree } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import WebApp from "./stack.js";

/** Hides the bundled app inside the user data script: its bytes are esbuild's, not the stack's. */
function stable(tree: ReturnType<typeof renderTree>) {
  return JSON.parse(JSON.stringify(tree), (key, value: unknown) =>
    key === "userData" && typeof value === "string" ? `<${value.length} bytes of boot script>` : value,
  );
}

describe("examples/web-app", () => {
  it("renders the dev stack", () => {
    expect(stable(renderTree(<WebApp env="dev" />))).toMatchSnapshot();
  });

  it("renders prod with a bigger instance and nothing else changed", () => {
    const dev = renderTree(<WebApp env="dev" />);
    const prod = renderTree(<WebApp env="prod" />);
    const instance = (t: typeof dev) => t.children[1]!.children.find((n) => n.type === "aws.ec2.Subnet")!.children[0]!;
    expect(prod.stack).toBe("web-app-prod");
    expect(instance(dev).props.type).toBe("t3.micro");
    expect(instance(prod).props.type).toBe("t3.small");
  });

  it("puts the app into the instance's boot script", () => {
    const tree = renderTree(<WebApp env="dev" />);
    const instance = tree.children[1]!.children.find((n) => n.type === "aws.ec2.Subnet")!.children[0]!;
    expect(instance.props.userData).toEqual(expect.stringMatching(/^#!\/bin\/bash\n/));
    expect(instance.props.userData).toContain("web.service");
  });
});
