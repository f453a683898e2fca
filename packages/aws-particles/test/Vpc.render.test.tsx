import { formatProblem, renderTree, Stack } from "@jiti/reconciler";
import { describe, expect, test } from "vitest";
import { Subnet } from "../src/ec2/Subnet.js";
import { Vpc, type VpcProps } from "../src/ec2/Vpc.js";
import { problemsOf } from "./problems.js";

/** The problems of `<Vpc name="main" cidr="10.0.0.0/16" {...props} />` in a stack; props may be of the wrong type on purpose. */
function vpcProblems(props: Record<string, unknown>) {
  return problemsOf(
    <Stack name="s">
      <Vpc name="main" cidr="10.0.0.0/16" {...(props as Partial<VpcProps>)} />
    </Stack>,
  );
}

describe("<Vpc> render", () => {
  test("renders with DNS support and hostnames on by default and a readable Name tag", () => {
    const tree = renderTree(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16" />
      </Stack>,
    );
    expect(tree.children[0]).toMatchObject({
      type: "aws.ec2.Vpc",
      path: "Vpc:main",
      props: { cidr: "10.0.0.0/16", dnsSupport: true, dnsHostnames: true, tags: { Name: "s/main" } },
    });
    expect(tree.children[0]!.source).toMatch(/Vpc\.render\.test\.tsx:\d+$/);
  });

  test("takes the given props over the defaults, and its tags over the stack's", () => {
    const tree = renderTree(
      <Stack name="s" tags={{ team: "net", tier: "all" }}>
        <Vpc name="main" cidr="10.8.0.0/16" dnsHostnames={false} tags={{ Name: "core", tier: "network" }} />
      </Stack>,
    );
    expect(tree.children[0]!.props).toEqual({
      cidr: "10.8.0.0/16",
      dnsSupport: true,
      dnsHostnames: false,
      tags: { Name: "core", team: "net", tier: "network" },
    });
  });

  test("with DNS support off, hostnames must be off too", () => {
    expect(vpcProblems({ dnsSupport: false, dnsHostnames: false })).toEqual([]);
  });

  test.each([
    [
      "a block without a prefix",
      { cidr: "10.0.0.0" },
      "cidr is not a valid IPv4 CIDR block",
      "10.0.0.0",
      'Use a block such as "10.0.0.0/16"',
    ],
    [
      "a block that is no address",
      { cidr: "banana" },
      "cidr is not a valid IPv4 CIDR block",
      "banana",
      'Use a block such as "10.0.0.0/16"',
    ],
    ["a block that is not a string", { cidr: 16 }, "cidr must be an IPv4 CIDR block", 16, 'Use a block such as "10.0.0.0/16"'],
    ["a block with host bits", { cidr: "10.0.0.5/16" }, "cidr has host bits set", "10.0.0.5/16", 'Use the network address "10.0.0.0/16"'],
    [
      "a block larger than /16",
      { cidr: "10.0.0.0/15" },
      "cidr must have a prefix length from /16 to /28",
      "10.0.0.0/15",
      'Use a block between /16 and /28, such as "10.0.0.0/16"',
    ],
    [
      "a block smaller than /28",
      { cidr: "10.0.0.0/29" },
      "cidr must have a prefix length from /16 to /28",
      "10.0.0.0/29",
      'Use a block between /16 and /28, such as "10.0.0.0/28"',
    ],
    [
      "hostnames without DNS support (hostnames default to on)",
      { dnsSupport: false },
      "dnsHostnames needs dnsSupport",
      { dnsSupport: false, dnsHostnames: true },
      "Set dnsSupport, or dnsHostnames={false}",
    ],
    [
      "a dnsSupport that is not a boolean",
      { dnsSupport: "yes" },
      "dnsSupport must be true or false",
      "yes",
      "Write dnsSupport or dnsSupport={false}",
    ],
    [
      "a dnsHostnames that is not a boolean",
      { dnsHostnames: 1 },
      "dnsHostnames must be true or false",
      1,
      "Write dnsHostnames or dnsHostnames={false}",
    ],
    [
      "a tag value that is not a string",
      { tags: { cost: 42 } },
      "tags.cost must be a string",
      42,
      "Tag values are strings; convert with String()",
    ],
    [
      "a tag key of jiti's own",
      { tags: { "jiti:path": "x" } },
      'tags keys starting with "aws:" or "jiti:" are reserved',
      "jiti:path",
      "Choose another tag key",
    ],
  ])("rejects %s", (_, props, message, found, fix) => {
    const problems = vpcProblems(props);
    expect(problems).toEqual([
      { path: "Vpc:main", type: "aws.ec2.Vpc", source: expect.stringMatching(/Vpc\.render\.test\.tsx:\d+$/), message, found, fix },
    ]);
  });

  test("requires cidr", () => {
    const problems = problemsOf(
      <Stack name="s">
        {/* @ts-expect-error cidr is required */}
        <Vpc name="main" />
      </Stack>,
    );
    expect(problems.map((p) => p.message)).toEqual(["cidr is required"]);
  });

  test("reports every problem of the element at once, in the one error shape", () => {
    const problems = vpcProblems({ cidr: "10.0.0.0/8", dnsSupport: false, tags: { cost: 42 } });
    expect(problems.map(formatProblem).map((p) => p.replace(/^[^ ]+: /, ""))).toEqual([
      'Vpc:main (aws.ec2.Vpc): cidr must have a prefix length from /16 to /28 (found: "10.0.0.0/8"). Use a block between /16 and /28, such as "10.0.0.0/16".',
      "Vpc:main (aws.ec2.Vpc): tags.cost must be a string (found: 42). Tag values are strings; convert with String().",
      'Vpc:main (aws.ec2.Vpc): dnsHostnames needs dnsSupport (found: {"dnsSupport":false,"dnsHostnames":true}). Set dnsSupport, or dnsHostnames={false}.',
    ]);
  });

  test("an existing VPC is looked up, not validated: it needs no cidr", () => {
    const tree = renderTree(
      <Stack name="s">
        <Vpc name="shared" existing={{ id: "vpc-0123" }}>
          <Subnet name="a" cidr="172.16.0.0/24" />
        </Vpc>
      </Stack>,
    );
    expect(tree.children[0]).toMatchObject({ path: "Vpc:shared", props: {}, existing: { id: "vpc-0123" } });
  });

  test("lives only in a stack", () => {
    const problems = problemsOf(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          <Vpc name="inner" cidr="10.1.0.0/16" />
        </Vpc>
      </Stack>,
    );
    expect(problems.map((p) => [p.path, p.message, p.fix])).toEqual([
      ["Vpc:main/Vpc:inner", "<Vpc> cannot be nested inside <Vpc>", "Move it into a <Stack>"],
    ]);
  });
});
