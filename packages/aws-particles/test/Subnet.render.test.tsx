import { ref } from "@jiti/jsx-runtime";
import { formatProblem, renderTree, Stack } from "@jiti/reconciler";
import { describe, expect, test } from "vitest";
import { InternetGateway } from "../src/ec2/InternetGateway.js";
import { RouteTable } from "../src/ec2/RouteTable.js";
import { Subnet } from "../src/ec2/Subnet.js";
import { Vpc } from "../src/ec2/Vpc.js";
import { problemsOf } from "./problems.js";

describe("<Subnet> render", () => {
  test("renders with the VPC as a reference, defaults applied and a readable Name tag", () => {
    const tree = renderTree(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          <Subnet name="a" cidr="10.0.1.0/24" />
        </Vpc>
      </Stack>,
    );
    expect(tree.children[0]!.children[0]).toMatchObject({
      type: "aws.ec2.Subnet",
      path: "Vpc:main/Subnet:a",
      props: { cidr: "10.0.1.0/24", public: false, tags: { Name: "s/main/a" }, vpc: { $ref: "Vpc:main" }, zone: 0 },
    });
  });

  test.each([
    ["a block with host bits", "10.0.1.5/24", "cidr has host bits set", 'Use the network address "10.0.1.0/24"'],
    ["a block larger than /16", "10.0.0.0/15", "cidr must have a prefix length from /16 to /28", undefined],
    ["a block smaller than /28", "10.0.1.0/29", "cidr must have a prefix length from /16 to /28", undefined],
    [
      "a block outside the VPC",
      "10.1.0.0/24",
      "cidr must lie inside the VPC's block 10.0.0.0/16 (Vpc:main)",
      'Use a block inside 10.0.0.0/16, such as "10.0.0.0/24"',
    ],
  ])("rejects %s", (_, cidr, message, fix) => {
    const problems = problemsOf(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          <Subnet name="a" cidr={cidr} />
        </Vpc>
      </Stack>,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: "Vpc:main/Subnet:a", type: "aws.ec2.Subnet", message, found: cidr, ...(fix ? { fix } : {}) });
    expect(problems[0]!.source).toMatch(/Subnet\.render\.test\.tsx:\d+$/);
  });

  test("requires cidr", () => {
    const problems = problemsOf(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          {/* @ts-expect-error cidr is required */}
          <Subnet name="a" />
        </Vpc>
      </Stack>,
    );
    expect(problems.map((p) => p.message)).toEqual(["cidr is required"]);
  });

  test("reports an overlap on the later subnet, naming the earlier one, and suggests a free block", () => {
    const problems = problemsOf(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          <Subnet name="a" cidr="10.0.0.0/24" />
          <Subnet name="b" cidr="10.0.1.0/24" />
          <Subnet name="c" cidr="10.0.0.0/23" />
        </Vpc>
      </Stack>,
    );
    expect(problems.map(formatProblem).map((p) => p.replace(/^[^ ]+: /, ""))).toEqual([
      'Vpc:main/Subnet:c (aws.ec2.Subnet): cidr overlaps 10.0.0.0/24 of Vpc:main/Subnet:a (found: "10.0.0.0/23"). Give each subnet of a VPC its own block, such as "10.0.2.0/23".',
      'Vpc:main/Subnet:c (aws.ec2.Subnet): cidr overlaps 10.0.1.0/24 of Vpc:main/Subnet:b (found: "10.0.0.0/23"). Give each subnet of a VPC its own block, such as "10.0.2.0/23".',
    ]);
  });

  test("does not check the block against an existing VPC, whose block render does not know", () => {
    expect(
      problemsOf(
        <Stack name="s">
          <Vpc name="shared" existing={{ id: "vpc-0123" }}>
            <Subnet name="a" cidr="172.16.0.0/24" />
          </Vpc>
        </Stack>,
      ),
    ).toEqual([]);
  });

  test.each([
    ["a zone id", "use1-az1"],
    ["a region", "us-east-1"],
    ["a negative index", -1],
    ["a fractional index", 1.5],
    ["a boolean", true],
  ])("rejects %s as zone", (_, zone) => {
    const problems = problemsOf(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          <Subnet name="a" cidr="10.0.1.0/24" zone={zone as never} />
        </Vpc>
      </Stack>,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: "Vpc:main/Subnet:a", message: expect.stringMatching(/^zone must be/), found: zone });
  });

  test("cannot live outside a VPC", () => {
    const problems = problemsOf(
      <Stack name="s">
        <Subnet name="a" cidr="10.0.1.0/24" />
      </Stack>,
    );
    expect(problems.map((p) => p.message)).toEqual(["<Subnet> cannot be nested inside <Stack>"]);
  });

  describe("public", () => {
    test("renders when a route table of the VPC lists the subnet and routes 0.0.0.0/0 to its internet gateway", () => {
      const gw = ref(InternetGateway);
      const a = ref(Subnet);
      expect(
        problemsOf(
          <Stack name="s">
            <Vpc name="main" cidr="10.0.0.0/16">
              <InternetGateway name="gw" ref={gw} />
              <Subnet name="a" cidr="10.0.1.0/24" public ref={a} />
              <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway: gw }]} subnets={[a]} />
            </Vpc>
          </Stack>,
        ),
      ).toEqual([]);
    });

    test("accepts an existing internet gateway by id", () => {
      const a = ref(Subnet);
      expect(
        problemsOf(
          <Stack name="s">
            <Vpc name="main" cidr="10.0.0.0/16">
              <Subnet name="a" cidr="10.0.1.0/24" public ref={a} />
              <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway: "igw-0abc" }]} subnets={[a]} />
            </Vpc>
          </Stack>,
        ),
      ).toEqual([]);
    });

    test("without any route to the internet, says to add a gateway and a route table", () => {
      const problems = problemsOf(
        <Stack name="s">
          <Vpc name="main" cidr="10.0.0.0/16">
            <Subnet name="a" cidr="10.0.1.0/24" public />
          </Vpc>
        </Stack>,
      );
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({
        path: "Vpc:main/Subnet:a",
        message:
          "a public subnet needs a route to the internet, but no <RouteTable> in its VPC lists it and routes 0.0.0.0/0 to an <InternetGateway>",
        fix:
          'Add to Vpc:main: <InternetGateway name="gw" ref={gw} /> and <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway: gw }]} subnets={[subnet]} />, ' +
          "with gw = ref(InternetGateway) and subnet = ref(Subnet) bound to this subnet with ref={subnet}; or set public={false}",
      });
    });

    test("with a gateway but no route table, names the gateway to route to", () => {
      const problems = problemsOf(
        <Stack name="s">
          <Vpc name="main" cidr="10.0.0.0/16">
            <InternetGateway name="gw" />
            <Subnet name="a" cidr="10.0.1.0/24" public />
          </Vpc>
        </Stack>,
      );
      expect(problems[0]!.fix).toBe(
        'Add to Vpc:main: <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway: gw }]} subnets={[subnet]} />, ' +
          "with gw = ref(InternetGateway) bound to Vpc:main/InternetGateway:gw with ref={gw} and subnet = ref(Subnet) bound to this subnet with ref={subnet}; or set public={false}",
      );
    });

    test("with a routing table that does not list the subnet, says to add it there", () => {
      const gw = ref(InternetGateway);
      const problems = problemsOf(
        <Stack name="s">
          <Vpc name="main" cidr="10.0.0.0/16">
            <InternetGateway name="gw" ref={gw} />
            <Subnet name="a" cidr="10.0.1.0/24" public />
            <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway: gw }]} />
          </Vpc>
        </Stack>,
      );
      expect(problems.map((p) => p.fix)).toEqual([
        "Add subnet to the subnets of Vpc:main/RouteTable:public, with subnet = ref(Subnet) bound to this subnet with ref={subnet}; or set public={false}",
      ]);
    });

    test("with the subnet's table lacking the default route, says which route to add", () => {
      const gw = ref(InternetGateway);
      const a = ref(Subnet);
      const problems = problemsOf(
        <Stack name="s">
          <Vpc name="main" cidr="10.0.0.0/16">
            <InternetGateway name="gw" ref={gw} />
            <Subnet name="a" cidr="10.0.1.0/24" public ref={a} />
            <RouteTable name="private" routes={[{ destination: "10.8.0.0/16", gateway: gw }]} subnets={[a]} />
          </Vpc>
        </Stack>,
      );
      expect(problems.map((p) => p.fix)).toEqual([
        'Add { destination: "0.0.0.0/0", gateway: gw } to the routes of Vpc:main/RouteTable:private, with gw = ref(InternetGateway) bound to Vpc:main/InternetGateway:gw with ref={gw}; or set public={false}',
      ]);
    });

    test("a private subnet needs no route table", () => {
      expect(
        problemsOf(
          <Stack name="s">
            <Vpc name="main" cidr="10.0.0.0/16">
              <Subnet name="a" cidr="10.0.1.0/24" public={false} />
            </Vpc>
          </Stack>,
        ),
      ).toEqual([]);
    });
  });
});
