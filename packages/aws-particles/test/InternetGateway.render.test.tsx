import { renderTree, Stack } from "@jiti/reconciler";
import { describe, expect, test } from "vitest";
import { InternetGateway } from "../src/ec2/InternetGateway.js";
import { Vpc } from "../src/ec2/Vpc.js";
import { problemsOf } from "./problems.js";

describe("<InternetGateway> render", () => {
  test("renders with the VPC as a reference and a readable Name tag", () => {
    const tree = renderTree(
      <Stack name="s" tags={{ team: "net" }}>
        <Vpc name="main" cidr="10.0.0.0/16">
          <InternetGateway />
        </Vpc>
      </Stack>,
    );
    expect(tree.children[0]!.children[0]).toMatchObject({
      type: "aws.ec2.InternetGateway",
      path: "Vpc:main/InternetGateway",
      props: { tags: { Name: "s/main/InternetGateway", team: "net" }, vpc: { $ref: "Vpc:main" } },
    });
  });

  test("rejects reserved tag keys", () => {
    const problems = problemsOf(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          <InternetGateway name="gw" tags={{ "jiti:path": "x" }} />
        </Vpc>
      </Stack>,
    );
    expect(problems).toMatchObject([
      {
        path: "Vpc:main/InternetGateway:gw",
        type: "aws.ec2.InternetGateway",
        message: 'tags keys starting with "aws:" or "jiti:" are reserved',
        found: "jiti:path",
      },
    ]);
  });

  test("cannot live outside a VPC", () => {
    const problems = problemsOf(
      <Stack name="s">
        <InternetGateway name="gw" />
      </Stack>,
    );
    expect(problems.map((p) => [p.message, p.fix])).toEqual([
      ["<InternetGateway> cannot be nested inside <Stack>", "Move it into a <Vpc>"],
    ]);
  });
});
