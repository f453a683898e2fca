import { RenderError, formatProblem, renderTree } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import { cases } from "./fixtures/bad-trees.js";

/**
 * Every bad tree of test/fixtures/bad-trees.tsx and exactly what render says
 * about it: the file:line, element path, type, what is wrong, what was
 * found and how to fix it — all problems at once, none of them from AWS.
 */
const expected: Array<[string, string[]]> = [
  [
    "subnet outside a vpc",
    [
      'test/fixtures/bad-trees.tsx:20: Subnet:a (aws.ec2.Subnet): <Subnet> cannot be nested inside <Stack> (found: "<Stack>"). Move it into a <Vpc>.',
    ],
  ],
  [
    "instance directly in a vpc",
    [
      'test/fixtures/bad-trees.tsx:23: Vpc:main/Ec2:web (aws.ec2.Instance): <Ec2> cannot be nested inside <Vpc> (found: "<Vpc>"). Move it into a <Subnet>.',
    ],
  ],
  [
    "instance profile outside a role",
    [
      'test/fixtures/bad-trees.tsx:26: InstanceProfile:app (aws.iam.InstanceProfile): <InstanceProfile> cannot be nested inside <Stack> (found: "<Stack>"). Move it into a <Role>.',
    ],
  ],
  [
    "two subnets with the same name",
    [
      'test/fixtures/bad-trees.tsx:33: Vpc:main/Subnet:a (aws.ec2.Subnet): another <Subnet> under the same parent has this name (test/fixtures/bad-trees.tsx:32) (found: "a"). Give each <Subnet> under the same parent its own name prop.',
    ],
  ],
  [
    "two unnamed gateways",
    [
      "test/fixtures/bad-trees.tsx:39: Vpc:main/InternetGateway (aws.ec2.InternetGateway): <InternetGateway> has no name, but another one shares its parent, so its identity is ambiguous (found: null). Give each <InternetGateway> under the same parent its own name prop.",
      "test/fixtures/bad-trees.tsx:40: Vpc:main/InternetGateway (aws.ec2.InternetGateway): <InternetGateway> has no name, but another one shares its parent, so its identity is ambiguous (found: null). Give each <InternetGateway> under the same parent its own name prop.",
    ],
  ],
  [
    "vpc cidr that is not a block",
    [
      'test/fixtures/bad-trees.tsx:45: Vpc:main (aws.ec2.Vpc): cidr is not a valid IPv4 CIDR block (found: "10.0.0.0/33"). Use a block such as "10.0.0.0/16".',
    ],
  ],
  [
    "subnet cidr with host bits",
    [
      'test/fixtures/bad-trees.tsx:48: Vpc:main/Subnet:a (aws.ec2.Subnet): cidr has host bits set (found: "10.0.1.7/24"). Use the network address "10.0.1.0/24".',
    ],
  ],
  [
    "subnet outside its vpc's block",
    [
      'test/fixtures/bad-trees.tsx:49: Vpc:main/Subnet:a (aws.ec2.Subnet): cidr must lie inside the VPC\'s block 10.0.0.0/16 (Vpc:main) (found: "10.1.0.0/24"). Use a block inside 10.0.0.0/16, such as "10.0.0.0/24".',
    ],
  ],
  [
    "overlapping subnets",
    [
      'test/fixtures/bad-trees.tsx:54: Vpc:main/Subnet:b (aws.ec2.Subnet): cidr overlaps 10.0.0.0/23 of Vpc:main/Subnet:a (found: "10.0.1.0/24"). Give each subnet of a VPC its own block, such as "10.0.2.0/24".',
    ],
  ],
  [
    "vpc block too large",
    [
      'test/fixtures/bad-trees.tsx:59: Vpc:main (aws.ec2.Vpc): cidr must have a prefix length from /16 to /28 (found: "10.0.0.0/8"). Use a block between /16 and /28, such as "10.0.0.0/16".',
    ],
  ],
  [
    "instance type without a size",
    [
      'test/fixtures/bad-trees.tsx:65: Vpc:main/Subnet:a/Ec2:web (aws.ec2.Instance): type must be an instance type "<family>.<size>", such as "t3.micro", "m7g.large" or "c5n.18xlarge" (found: "t3micro"). Did you mean "t3.micro"?',
    ],
  ],
  [
    "reference to an element not in the tree",
    [
      'test/fixtures/bad-trees.tsx:72: Vpc:main/Subnet:a/Ec2:web (aws.ec2.Instance): securityGroups[0] refers to a <SecurityGroup> that is not in the tree (found: "ref(SecurityGroup)"). Bind the reference with ref={…} on a <SecurityGroup> rendered in this stack, or remove it from securityGroups[0].',
    ],
  ],
  [
    "one ref bound to two elements",
    [
      'test/fixtures/bad-trees.tsx:81: Vpc:main/SecurityGroup:b (aws.ec2.SecurityGroup): the same ref is already bound to Vpc:main/SecurityGroup:a (test/fixtures/bad-trees.tsx:80) (found: "ref(SecurityGroup)"). Create one ref() per element.',
    ],
  ],
  [
    "ref created for another component",
    [
      'test/fixtures/bad-trees.tsx:87: Vpc:main/Subnet:a (aws.ec2.Subnet): ref was created for SecurityGroup, not Subnet (found: "ref(SecurityGroup)"). Create the reference with ref(Subnet).',
    ],
  ],
  [
    "port range upside down",
    [
      "test/fixtures/bad-trees.tsx:89: Vpc:main/SecurityGroup:web (aws.ec2.SecurityGroup): ingress[0].ports must go from the lower port to the higher (found: [90,80]). Use ports: [80, 90].",
    ],
  ],
  [
    "port out of range",
    [
      "test/fixtures/bad-trees.tsx:90: Vpc:main/SecurityGroup:web (aws.ec2.SecurityGroup): ingress[0].port must be from 0 to 65535 (a port) (found: 70000). Use a value from 0 to 65535.",
    ],
  ],
  [
    "tcp rule without a port",
    [
      'test/fixtures/bad-trees.tsx:91: Vpc:main/SecurityGroup:web (aws.ec2.SecurityGroup): ingress[0] needs a port for protocol "tcp" (found: {"from":"0.0.0.0/0"}). Add port: 443, or ports: [8000, 8100] for a range.',
    ],
  ],
  [
    "unknown prop",
    [
      'test/fixtures/bad-trees.tsx:94: Vpc:main (aws.ec2.Vpc): unknown prop "cidrBlock" (found: "10.0.0.0/16"). Known props of <Vpc>: cidr, dnsSupport, dnsHostnames, tags.',
      'test/fixtures/bad-trees.tsx:94: Vpc:main (aws.ec2.Vpc): cidr is required. Set cidr, e.g. cidr="10.0.0.0/16".',
    ],
  ],
  [
    "stack name with spaces",
    [
      'test/fixtures/bad-trees.tsx:98: jiti.Stack: name must be 1 to 32 letters, digits or \'-\', starting with a letter (found: "My Stack!"). Name the stack like <Stack name="web-app-dev">; it tags everything the stack owns.',
    ],
  ],
  [
    "root that is not a stack",
    [
      'test/fixtures/bad-trees.tsx:102: jiti.Stack: the root of the tree must be a <Stack> (found: "<Vpc>"). Wrap the tree in <Stack name="my-app">…</Stack>, or return it from the stack component.',
    ],
  ],
  [
    "text as a child",
    [
      'test/fixtures/bad-trees.tsx:11: Vpc:main (aws.ec2.Vpc): Text is not valid as a child (found: "hello"). Children must be elements such as <Subnet/>; pass values as props instead.',
    ],
  ],
  [
    "name with a space",
    [
      "test/fixtures/bad-trees.tsx:104: Vpc:main/Subnet:public a (aws.ec2.Subnet): name must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit (found: \"public a\"). Use a name such as \"public-a\".",
    ],
  ],
  [
    "stopped vpc",
    [
      'test/fixtures/bad-trees.tsx:107: Vpc:main (aws.ec2.Vpc): state "stopped" applies to instances only (found: "stopped"). Use state="running", or "terminated" to remove it.',
    ],
  ],
  [
    "existing resource with props",
    [
      'test/fixtures/bad-trees.tsx:112: Vpc:main (aws.ec2.Vpc): cidr cannot be set on an existing resource, which jiti never changes (found: ["cidr"]). Remove these props, or drop `existing` to let jiti create and manage the resource.',
    ],
  ],
  [
    "role with two trust policies",
    [
      'test/fixtures/bad-trees.tsx:117: Role:app (aws.iam.Role): assumedBy and trustPolicy both say who may assume the role (found: {"assumedBy":"ec2.amazonaws.com"}). Keep one: assumedBy for AWS services, trustPolicy for anything else.',
    ],
  ],
  [
    "role nobody may assume",
    [
      'test/fixtures/bad-trees.tsx:126: Role:app (aws.iam.Role): assumedBy or trustPolicy is required: who may assume the role. Set assumedBy="ec2.amazonaws.com" for instances, or a full trustPolicy.',
    ],
  ],
  [
    "managed policy that is not an arn",
    [
      'test/fixtures/bad-trees.tsx:131: Role:app (aws.iam.Role): managedPolicies[0] must be a managed policy ARN (found: "AmazonS3ReadOnlyAccess"). Use a value such as "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore".',
    ],
  ],
  [
    "public subnet without a route to a gateway",
    [
      'test/fixtures/bad-trees.tsx:134: Vpc:main/Subnet:a (aws.ec2.Subnet): a public subnet needs a route to the internet, but no <RouteTable> in its VPC lists it and routes 0.0.0.0/0 to an <InternetGateway> (found: {"public":true}). Add to Vpc:main: <InternetGateway name="gw" ref={gw} /> and <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway: gw }]} subnets={[subnet]} />, with gw = ref(InternetGateway) and subnet = ref(Subnet) bound to this subnet with ref={subnet}; or set public={false}.',
    ],
  ],
  [
    "tag value that is not a string",
    [
      "test/fixtures/bad-trees.tsx:137: Vpc:main (aws.ec2.Vpc): tags.cost must be a string (found: 42). Tag values are strings; convert with String().",
    ],
  ],
  [
    "reserved tag key",
    [
      'test/fixtures/bad-trees.tsx:142: Vpc:main (aws.ec2.Vpc): tags keys starting with "aws:" or "jiti:" are reserved (found: "jiti:stack"). Choose another tag key.',
    ],
  ],
  [
    "component that throws",
    [
      "test/fixtures/bad-trees.tsx:149: Vpc:main (<Broken>): the component threw: no subnets configured. Fix the component, or the props it was given.",
    ],
  ],
  [
    "route to a gateway that is not in the tree",
    [
      'test/fixtures/bad-trees.tsx:153: Vpc:main/RouteTable:public (aws.ec2.RouteTable): routes[0].gateway refers to a <InternetGateway> that is not in the tree (found: "ref(InternetGateway)"). Bind the reference with ref={…} on a <InternetGateway> rendered in this stack, or remove it from routes[0].gateway.',
    ],
  ],
  [
    "instance with an image that is not an ami",
    [
      'test/fixtures/bad-trees.tsx:158: Vpc:main/Subnet:a/Ec2:web (aws.ec2.Instance): image must be an AMI id ("ami-" and 8 or 17 hex digits) or an image lookup (found: "ubuntu-latest"). Use an id such as "ami-0abcdef1234567890", or a lookup such as image={amazonLinux()} or image={ubuntu({ version: "24.04" })}.',
    ],
  ],
  [
    "several problems at once",
    [
      'test/fixtures/bad-trees.tsx:163: Vpc:main (aws.ec2.Vpc): cidr must have a prefix length from /16 to /28 (found: "10.0.0.0/12"). Use a block between /16 and /28, such as "10.0.0.0/16".',
      'test/fixtures/bad-trees.tsx:164: Vpc:main/Subnet:a (aws.ec2.Subnet): cidr must lie inside the VPC\'s block 10.0.0.0/12 (Vpc:main) (found: "192.168.0.0/24"). Use a block inside 10.0.0.0/12, such as "10.0.0.0/24".',
      'test/fixtures/bad-trees.tsx:165: Vpc:main/Subnet:b (aws.ec2.Subnet): cidr is not a valid IPv4 CIDR block (found: "10.0.1.0/33"). Use a block such as "10.0.0.0/16".',
    ],
  ],
  [
    "instance with a security group of another vpc",
    [
      "test/fixtures/bad-trees.tsx:178: Vpc:b/Subnet:s/Ec2:web (aws.ec2.Instance): securityGroups[0] must refer to a <SecurityGroup> in the instance's own <Vpc> (Vpc:b) (found: \"Vpc:a/SecurityGroup:web\"). Use a security group of Vpc:b, or move the instance into a subnet of the group's VPC.",
    ],
  ],
  [
    "several bad rules in one list",
    [
      'test/fixtures/bad-trees.tsx:185: Vpc:main/SecurityGroup:web (aws.ec2.SecurityGroup): ingress[0].from must be a CIDR block (found: "1.2.3.4"). Use "1.2.3.4/32" for this one address.',
      'test/fixtures/bad-trees.tsx:185: Vpc:main/SecurityGroup:web (aws.ec2.SecurityGroup): ingress[1].from must be an IPv4 block, a ref to a <SecurityGroup> or an "sg-…" id (found: "10.0.0.0/33"). Use a block such as "10.0.0.0/16" or "0.0.0.0/0", or ref(SecurityGroup).',
      "test/fixtures/bad-trees.tsx:185: Vpc:main/SecurityGroup:web (aws.ec2.SecurityGroup): ingress[2].ports must go from the lower port to the higher (found: [90,80]). Use ports: [80, 90].",
    ],
  ],
];

describe("bad trees", () => {
  it("covers every case of the fixture", () => {
    expect(expected.map(([name]) => name)).toEqual(Object.keys(cases));
    expect(expected.length).toBeGreaterThanOrEqual(25);
  });

  it.each(expected)("%s", (name, problems) => {
    let error: unknown;
    try {
      renderTree(cases[name]!());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RenderError);
    expect((error as RenderError).problems.map(formatProblem)).toEqual(problems);
    expect((error as RenderError).message).toContain(problems[0]);
  });
});
