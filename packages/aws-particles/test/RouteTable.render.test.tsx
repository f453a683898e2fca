import { ref, type Ref } from "@jiti/jsx-runtime";
import { renderTree, Stack } from "@jiti/reconciler";
import { particleOf } from "@jiti/reconciler/particle";
import { describe, expect, test } from "vitest";
import { InternetGateway } from "../src/ec2/InternetGateway.js";
import { RouteTable, type Route } from "../src/ec2/RouteTable.js";
import { Subnet } from "../src/ec2/Subnet.js";
import { Vpc } from "../src/ec2/Vpc.js";
import { problemsOf } from "./problems.js";
import { withIds } from "./context.js";

const table = particleOf(RouteTable)!;

/** A VPC with a gateway `gw`, subnets `a` and `b`, and the table under test. */
type Refs = { gw: Ref<"aws.ec2.InternetGateway">; a: Ref<"aws.ec2.Subnet">; b: Ref<"aws.ec2.Subnet"> };

function inVpc(props: (refs: Refs) => Parameters<typeof RouteTable>[0]) {
  const refs = { gw: ref(InternetGateway), a: ref(Subnet), b: ref(Subnet) };
  return (
    <Stack name="s">
      <Vpc name="main" cidr="10.0.0.0/16">
        <InternetGateway name="gw" ref={refs.gw} />
        <Subnet name="a" cidr="10.0.1.0/24" ref={refs.a} />
        <Subnet name="b" cidr="10.0.2.0/24" ref={refs.b} />
        <RouteTable name="rt" {...props(refs)} />
      </Vpc>
    </Stack>
  );
}

describe("<RouteTable> render", () => {
  test("renders routes and subnets in canonical order, with references as paths", () => {
    const tree = renderTree(
      inVpc(({ gw, a, b }) => ({
        routes: [
          { gateway: gw, destination: "10.8.0.0/16" },
          { destination: "0.0.0.0/0", gateway: gw },
        ],
        subnets: [b, a],
      })),
    );
    expect(tree.children[0]!.children[3]!.props).toEqual({
      routes: [
        { destination: "0.0.0.0/0", gateway: { $ref: "Vpc:main/InternetGateway:gw" } },
        { destination: "10.8.0.0/16", gateway: { $ref: "Vpc:main/InternetGateway:gw" } },
      ],
      subnets: [{ $ref: "Vpc:main/Subnet:a" }, { $ref: "Vpc:main/Subnet:b" }],
      tags: { Name: "s/main/rt" },
      vpc: { $ref: "Vpc:main" },
    });
  });

  test("defaults to no routes and no subnets", () => {
    const tree = renderTree(inVpc(() => ({})));
    expect(tree.children[0]!.children[3]!.props).toMatchObject({ routes: [], subnets: [] });
  });

  test("normalize is idempotent and sorts ids once references are resolved, so it matches what observe reads", () => {
    const tree = renderTree(inVpc(({ gw, a, b }) => ({ routes: [{ destination: "0.0.0.0/0", gateway: gw }], subnets: [a, b] })));
    const rendered = tree.children[0]!.children[3]!.props;
    // Path order (a, b) is not id order: the ids must be sorted again.
    const resolved = withIds(rendered, {
      "Vpc:main": "vpc-1",
      "Vpc:main/InternetGateway:gw": "igw-1",
      "Vpc:main/Subnet:a": "subnet-2",
      "Vpc:main/Subnet:b": "subnet-1",
    });
    const normalized = table.normalize!(resolved);
    expect(normalized.subnets).toEqual(["subnet-1", "subnet-2"]);
    expect(table.normalize!(normalized)).toEqual(normalized);
  });

  test.each<[string, (gw: never) => Route[], string, unknown]>([
    [
      "a destination with host bits",
      (gw) => [{ destination: "10.8.0.1/16", gateway: gw }],
      "routes[0].destination has host bits set",
      "10.8.0.1/16",
    ],
    [
      "a destination that is not a block",
      () => [{ destination: "internet", gateway: "igw-1" }],
      "routes[0].destination must be an IPv4 CIDR block",
      "internet",
    ],
    ["a route without a destination", () => [{ gateway: "igw-1" } as never], "routes[0].destination is required", { gateway: "igw-1" }],
    [
      "an unknown target",
      () => [{ destination: "0.0.0.0/0", natGateway: "nat-1" } as never],
      'routes[0] has an unknown key "natGateway"',
      { destination: "0.0.0.0/0", natGateway: "nat-1" },
    ],
    [
      "a route without a target",
      () => [{ destination: "0.0.0.0/0" } as never],
      "routes[0] must have exactly one target (gateway)",
      { destination: "0.0.0.0/0" },
    ],
    [
      "a gateway that is not an igw id",
      () => [{ destination: "0.0.0.0/0", gateway: "nat-1" }],
      'routes[0].gateway must be a reference to a <InternetGateway> or an id starting with "igw-"',
      "nat-1",
    ],
    [
      "two routes for one destination",
      (gw) => [
        { destination: "0.0.0.0/0", gateway: gw },
        { destination: "0.0.0.0/0", gateway: "igw-1" },
      ],
      "routes has two routes for 0.0.0.0/0",
      "0.0.0.0/0",
    ],
  ])("rejects %s", (_, routes, message, found) => {
    const problems = problemsOf(inVpc(({ gw }) => ({ routes: routes(gw as never) })));
    expect(problems).toEqual([expect.objectContaining({ path: "Vpc:main/RouteTable:rt", type: "aws.ec2.RouteTable", message, found })]);
  });

  test("rejects a gateway or subnet of another VPC", () => {
    const gw = ref(InternetGateway);
    const other = ref(Subnet);
    const problems = problemsOf(
      <Stack name="s">
        <Vpc name="other" cidr="10.1.0.0/16">
          <InternetGateway name="gw" ref={gw} />
          <Subnet name="x" cidr="10.1.1.0/24" ref={other} />
        </Vpc>
        <Vpc name="main" cidr="10.0.0.0/16">
          <RouteTable name="rt" routes={[{ destination: "0.0.0.0/0", gateway: gw }]} subnets={[other]} />
        </Vpc>
      </Stack>,
    );
    expect(problems.map((p) => [p.message, p.found])).toEqual([
      ["routes[0].gateway must refer to an <InternetGateway> in the same <Vpc> (Vpc:main)", "Vpc:other/InternetGateway:gw"],
      ["subnets[0] must refer to a <Subnet> in the same <Vpc> (Vpc:main)", "Vpc:other/Subnet:x"],
    ]);
  });

  test("rejects a subnet listed twice, or by two tables (on the later one)", () => {
    const a = ref(Subnet);
    const problems = problemsOf(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          <Subnet name="a" cidr="10.0.1.0/24" ref={a} />
          <RouteTable name="one" subnets={[a]} />
          <RouteTable name="two" subnets={[a, a, "subnet-1", "subnet-1"]} />
        </Vpc>
      </Stack>,
    );
    expect(problems.map((p) => [p.path, p.message, p.found])).toEqual([
      [
        "Vpc:main/RouteTable:two",
        "subnets[0] is already associated with Vpc:main/RouteTable:one, and a subnet uses one route table",
        "Vpc:main/Subnet:a",
      ],
      ["Vpc:main/RouteTable:two", "subnets lists the same subnet twice", "Vpc:main/Subnet:a"],
      [
        "Vpc:main/RouteTable:two",
        "subnets[1] is already associated with Vpc:main/RouteTable:one, and a subnet uses one route table",
        "Vpc:main/Subnet:a",
      ],
      ["Vpc:main/RouteTable:two", "subnets lists the same subnet twice", "subnet-1"],
    ]);
  });

  test("rejects a subnet that is neither a reference nor a subnet id", () => {
    const problems = problemsOf(inVpc(() => ({ subnets: ["10.0.1.0/24"] })));
    expect(problems).toEqual([
      expect.objectContaining({
        message: 'subnets[0] must be a reference to a <Subnet> or an id starting with "subnet-"',
        found: "10.0.1.0/24",
      }),
    ]);
  });
});
