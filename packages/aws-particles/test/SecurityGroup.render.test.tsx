import { ref } from "@jiti/jsx-runtime";
import { renderTree, Stack } from "@jiti/reconciler";
import { describe, expect, test } from "vitest";
import { SecurityGroup, type SecurityGroupProps } from "../src/ec2/SecurityGroup.js";
import { Subnet } from "../src/ec2/Subnet.js";
import { Vpc } from "../src/ec2/Vpc.js";
import { problemsOf } from "./problems.js";

function group(props: SecurityGroupProps) {
  return (
    <Stack name="s">
      <Vpc name="main" cidr="10.0.0.0/16">
        <SecurityGroup name="web" {...props} />
      </Vpc>
    </Stack>
  );
}

function rendered(props: SecurityGroupProps) {
  return renderTree(group(props)).children[0]!.children[0]!.props;
}

describe("<SecurityGroup> render", () => {
  test("renders defaults: a description, no ingress, AWS's allow-all egress; the name is left to create", () => {
    expect(rendered({})).toEqual({
      description: "Managed by jiti",
      egress: [{ protocol: "all", cidr: "0.0.0.0/0" }],
      ingress: [],
      tags: { Name: "s/main/web" },
      vpc: { $ref: "Vpc:main" },
    });
  });

  test("renders rules in canonical form: one per peer, sorted, duplicates merged", () => {
    const props = rendered({
      ingress: [
        { port: 443, from: ["10.0.0.0/16", "0.0.0.0/0"] },
        { protocol: "udp", ports: [53, 53], from: "10.0.0.0/16", description: "dns" },
        { protocol: "icmp", from: "10.0.0.0/16" },
        { port: 443, from: "0.0.0.0/0" },
        { protocol: "all", from: "sg-0abc" },
      ],
      egress: [{ port: 443 }],
    });
    expect(props.ingress).toEqual([
      { protocol: "all", group: "sg-0abc" },
      { protocol: "icmp", cidr: "10.0.0.0/16" },
      { protocol: "tcp", fromPort: 443, toPort: 443, cidr: "0.0.0.0/0" },
      { protocol: "tcp", fromPort: 443, toPort: 443, cidr: "10.0.0.0/16" },
      { protocol: "udp", fromPort: 53, toPort: 53, cidr: "10.0.0.0/16", description: "dns" },
    ]);
    expect(props.egress).toEqual([{ protocol: "tcp", fromPort: 443, toPort: 443, cidr: "0.0.0.0/0" }]);
  });

  test("egress={[]} renders no egress, to remove AWS's default rule", () => {
    expect(rendered({ egress: [] }).egress).toEqual([]);
  });

  test.each<[string, SecurityGroupProps, string, unknown]>([
    ["a port above 65535", { ingress: [{ port: 70000, from: "0.0.0.0/0" }] }, "ingress[0].port must be from 0 to 65535 (a port)", 70000],
    ["a fractional port", { ingress: [{ port: 80.5, from: "0.0.0.0/0" }] }, "ingress[0].port must be a whole number (a port)", 80.5],
    [
      "a reversed range",
      { ingress: [{ ports: [90, 80], from: "0.0.0.0/0" }] },
      "ingress[0].ports must go from the lower port to the higher",
      [90, 80],
    ],
    ["a range that is not a pair", { ingress: [{ ports: [80] as never, from: "0.0.0.0/0" }] }, "ingress[0].ports must be [from, to]", [80]],
    ["tcp without a port", { ingress: [{ from: "0.0.0.0/0" }] }, 'ingress[0] needs a port for protocol "tcp"', { from: "0.0.0.0/0" }],
    ["icmp with a port", { ingress: [{ protocol: "icmp", port: 8, from: "0.0.0.0/0" }] }, 'ingress[0]: protocol "icmp" has no ports', 8],
    ["all with ports", { egress: [{ protocol: "all", ports: [0, 65535] }] }, 'egress[0]: protocol "all" has no ports', [0, 65535]],
    [
      "both port and ports",
      { ingress: [{ port: 80, ports: [80, 81], from: "0.0.0.0/0" }] },
      "ingress[0] has both port and ports",
      { port: 80, ports: [80, 81] },
    ],
    [
      "an unknown protocol",
      { ingress: [{ protocol: "http" as never, port: 80, from: "0.0.0.0/0" }] },
      'ingress[0].protocol must be one of "tcp", "udp", "icmp", "all"',
      "http",
    ],
    [
      "an address without a prefix",
      { ingress: [{ port: 22, from: "203.0.113.7" }] },
      "ingress[0].from must be a CIDR block",
      "203.0.113.7",
    ],
    ["a block with host bits", { ingress: [{ port: 22, from: "10.0.0.1/16" }] }, "ingress[0].from has host bits set", "10.0.0.1/16"],
    [
      "an IPv6 block",
      { ingress: [{ port: 22, from: "::/0" }] },
      'ingress[0].from must be an IPv4 block, a ref to a <SecurityGroup> or an "sg-…" id',
      "::/0",
    ],
    [
      "a bad peer in a list",
      { ingress: [{ port: 22, from: ["10.0.0.0/8", "nope"] }] },
      'ingress[0].from[1] must be an IPv4 block, a ref to a <SecurityGroup> or an "sg-…" id',
      "nope",
    ],
    ["an empty peer list", { ingress: [{ port: 22, from: [] }] }, "ingress[0].from must list at least one peer", []],
    [
      "ingress with to",
      { ingress: [{ port: 22, to: "10.0.0.0/8" } as never] },
      'ingress[0]: ingress rules name their source with "from"',
      { port: 22, to: "10.0.0.0/8" },
    ],
    [
      "egress with from",
      { egress: [{ port: 22, from: "10.0.0.0/8" } as never] },
      'egress[0]: egress rules name their destination with "to"',
      { port: 22, from: "10.0.0.0/8" },
    ],
    [
      "an unknown key",
      { ingress: [{ port: 22, from: "10.0.0.0/8", cidr: "x" } as never] },
      'ingress[0] has an unknown key "cidr"',
      { port: 22, from: "10.0.0.0/8", cidr: "x" },
    ],
    [
      "a rule description AWS refuses",
      { ingress: [{ port: 22, from: "10.0.0.0/8", description: "café" }] },
      "ingress[0].description may only hold letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*",
      "café",
    ],
    ["a group name like an id", { groupName: "sg-web" }, 'groupName cannot start with "sg-"', "sg-web"],
    ["an empty description", { description: "" }, "description must be a non-empty string", ""],
    ["a description over 255 characters", { description: "x".repeat(256) }, "description must be at most 255 characters", "x".repeat(256)],
  ])("rejects %s", (_, props, message, found) => {
    const problems = problemsOf(group(props));
    expect(problems).toEqual([
      expect.objectContaining({ path: "Vpc:main/SecurityGroup:web", type: "aws.ec2.SecurityGroup", message, found }),
    ]);
  });

  test("requires ingress rules to say where traffic comes from", () => {
    const problems = problemsOf(group({ ingress: [{ port: 22 } as never] }));
    expect(problems.map((p) => [p.message, p.fix])).toEqual([
      ["ingress[0].from is required", 'Say where traffic may come from, e.g. from: "10.0.0.0/16", from: "0.0.0.0/0" or from: otherGroup'],
    ]);
  });

  test("names the user's own index of a bad rule, not its place after sorting", () => {
    const problems = problemsOf(
      group({
        ingress: [
          { port: 443, from: ["0.0.0.0/0", "10.0.0.0/8"] },
          { port: 99999, from: "10.0.0.0/8" },
        ],
      }),
    );
    expect(problems.map((p) => p.message)).toEqual(["ingress[1].port must be from 0 to 65535 (a port)"]);
  });

  test("rejects the same rule twice with different descriptions", () => {
    const problems = problemsOf(
      group({
        ingress: [
          { port: 22, from: "10.0.0.0/8", description: "ops" },
          { port: 22, from: "10.0.0.0/8", description: "admins" },
        ],
      }),
    );
    expect(problems).toEqual([
      expect.objectContaining({ message: "ingress has the same rule twice with different descriptions", found: ["admins", "ops"] }),
    ]);
  });

  test("accepts a rule naming its own group: rules are added once the group exists", () => {
    const self = ref(SecurityGroup);
    const problems = problemsOf(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          <SecurityGroup name="web" ref={self} ingress={[{ port: 8080, from: self }]} />
        </Vpc>
      </Stack>,
    );
    expect(problems).toEqual([]);
  });

  test("rejects a reference to something other than a security group", () => {
    const subnet = ref(Subnet);
    const problems = problemsOf(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          <Subnet name="a" cidr="10.0.1.0/24" ref={subnet} />
          <SecurityGroup name="web" ingress={[{ port: 8080, from: subnet as never }]} />
        </Vpc>
      </Stack>,
    );
    expect(problems.map((p) => [p.message, p.found])).toEqual([
      ["ingress[0].from must be a reference to a <SecurityGroup>, not to a <Subnet>", "Vpc:main/Subnet:a"],
    ]);
  });
});
