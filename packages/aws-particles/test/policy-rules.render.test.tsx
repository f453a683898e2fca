import { ref, type JitiNode } from "@jiti/jsx-runtime";
import {
  Ec2,
  InternetGateway,
  Role,
  RouteTable,
  SecurityGroup,
  Stack,
  Subnet,
  Vpc,
  amazonLinux,
  policyRules,
  requiredTags,
  type IngressRule,
  type PolicyDocument,
} from "@jiti/aws-particles";
import { RenderError, renderStack, type Problem, type RenderOptions } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";

/** Every finding of every rule, errors and warnings alike, as `rule path`. */
function findings(element: JitiNode, options: RenderOptions = {}): { errors: Problem[]; warnings: Problem[]; all: string[] } {
  let errors: readonly Problem[] = [];
  let warnings: readonly Problem[] = [];
  try {
    warnings = renderStack(element, options).warnings;
  } catch (error) {
    if (!(error instanceof RenderError)) throw error;
    errors = error.problems;
    warnings = error.warnings;
  }
  const all = [...errors, ...warnings].map((p) => `${p.rule ?? "validation"} ${p.path}`);
  return { errors: [...errors], warnings: [...warnings], all };
}

const group = (ingress: IngressRule[]) => (
  <Stack name="s">
    <Vpc name="main" cidr="10.0.0.0/16">
      <SecurityGroup name="web" ingress={ingress} />
    </Vpc>
  </Stack>
);

const role = (props: { inlinePolicies?: Record<string, PolicyDocument>; trustPolicy?: PolicyDocument; managedPolicies?: string[] }) => (
  <Stack name="s">
    <Role name="app" {...(props.trustPolicy ? { trustPolicy: props.trustPolicy } : { assumedBy: "ec2.amazonaws.com" })} {...props} />
  </Stack>
);

const policy = (...statements: PolicyDocument["Statement"][]) => ({ Version: "2012-10-17" as const, Statement: statements.flat() });

/** An instance in a subnet; `routed` gives the subnet a route table to an internet gateway. */
function instance(props: { imdsV2?: boolean; rootVolumeEncrypted?: boolean; public?: boolean; routed?: boolean } = {}) {
  const gw = ref(InternetGateway);
  const a = ref(Subnet);
  return (
    <Stack name="s">
      <Vpc name="main" cidr="10.0.0.0/16">
        <InternetGateway name="gw" ref={gw} />
        <Subnet name="a" cidr="10.0.1.0/24" ref={a} public={props.public ?? false}>
          <Ec2
            name="web"
            image={amazonLinux()}
            {...(props.imdsV2 !== undefined ? { imdsV2: props.imdsV2 } : {})}
            {...(props.rootVolumeEncrypted !== undefined ? { rootVolumeEncrypted: props.rootVolumeEncrypted } : {})}
          />
        </Subnet>
        {props.routed && <RouteTable name="rt" routes={[{ destination: "0.0.0.0/0", gateway: gw }]} subnets={[a]} />}
      </Vpc>
    </Stack>
  );
}

const GROUP = "Vpc:main/SecurityGroup:web";
const ROLE = "Role:app";
const INSTANCE = "Vpc:main/Subnet:a/Ec2:web";

describe("built-in policy rules: each fires where it should and nowhere else", () => {
  it.each<[string, string, JitiNode, JitiNode]>([
    ["public-ssh", GROUP, group([{ port: 22, from: "0.0.0.0/0" }]), group([{ port: 22, from: "10.0.0.0/8" }])],
    ["public-ssh", GROUP, group([{ ports: [20, 30], from: "0.0.0.0/0" }]), group([{ ports: [23, 30], from: "0.0.0.0/0" }])],
    ["public-rdp", GROUP, group([{ protocol: "udp", port: 3389, from: "0.0.0.0/0" }]), group([{ port: 3389, from: "192.168.0.0/16" }])],
    [
      "open-ingress",
      GROUP,
      group([{ port: 8080, from: "0.0.0.0/0" }]),
      group([
        { port: 443, from: "0.0.0.0/0" },
        { port: 80, from: "0.0.0.0/0" },
      ]),
    ],
    ["open-ingress", GROUP, group([{ protocol: "all", from: "0.0.0.0/0" }]), group([{ protocol: "all", from: "10.0.0.0/16" }])],
    [
      "iam-wildcard-action",
      ROLE,
      role({ inlinePolicies: { all: policy({ Effect: "Allow", Action: "*", Resource: "*" }) } }),
      role({ inlinePolicies: { all: policy({ Effect: "Deny", Action: "*", Resource: "*" }) } }),
    ],
    [
      "iam-wildcard-action",
      ROLE,
      role({ managedPolicies: ["arn:aws:iam::aws:policy/AdministratorAccess"] }),
      role({ managedPolicies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }),
    ],
    [
      "iam-service-wildcard",
      ROLE,
      role({ inlinePolicies: { s3: policy({ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::assets/*" }) } }),
      role({ inlinePolicies: { s3: policy({ Effect: "Allow", Action: "s3:Get*", Resource: "arn:aws:s3:::assets/*" }) } }),
    ],
    [
      "iam-wildcard-resource",
      ROLE,
      role({ inlinePolicies: { put: policy({ Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "*" }) } }),
      role({ inlinePolicies: { read: policy({ Effect: "Allow", Action: ["ec2:DescribeInstances", "s3:GetObject"], Resource: "*" }) } }),
    ],
    [
      "iam-action-format",
      ROLE,
      role({ inlinePolicies: { typo: policy({ Effect: "Allow", Action: "s3 GetObject", Resource: "arn:aws:s3:::assets/*" }) } }),
      role({ inlinePolicies: { fine: policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::assets/*" }) } }),
    ],
    [
      "trust-any-principal",
      ROLE,
      role({ trustPolicy: policy({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }) }),
      role({
        trustPolicy: policy({
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } },
        }),
      }),
    ],
    [
      "iam-wildcard-action",
      ROLE,
      role({ inlinePolicies: { most: policy({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }) } }),
      role({ inlinePolicies: { most: policy({ Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::assets/*" }) } }),
    ],
    [
      "iam-service-wildcard",
      ROLE,
      role({ inlinePolicies: { s3: policy({ Effect: "Allow", Action: "S3:*", Resource: "arn:aws:s3:::assets/*" }) } }),
      role({ inlinePolicies: { s3: policy({ Effect: "Allow", Action: "S3:GetObject", Resource: "arn:aws:s3:::assets/*" }) } }),
    ],
    [
      "iam-wildcard-resource",
      ROLE,
      role({ inlinePolicies: { put: policy({ Effect: "Allow", Action: "s3:putobject", Resource: "*" }) } }),
      role({ inlinePolicies: { read: policy({ Effect: "Allow", Action: "ec2:describeinstances", Resource: "*" }) } }),
    ],
    [
      "trust-any-principal",
      ROLE,
      role({ trustPolicy: policy({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole", Condition: {} }) }),
      role({ trustPolicy: policy({ Effect: "Allow", Principal: { AWS: "123456789012" }, Action: "sts:AssumeRole" }) }),
    ],
    ["imdsv1-allowed", INSTANCE, instance({ imdsV2: false }), instance({ imdsV2: true })],
    ["unencrypted-root-volume", INSTANCE, instance({ rootVolumeEncrypted: false }), instance()],
    ["private-instance-public-subnet", INSTANCE, instance({ routed: true }), instance({ routed: true, public: true })],
  ])("%s on %s", (id, path, fires, quiet) => {
    expect(findings(fires).all).toContain(`${id} ${path}`);
    expect(findings(quiet).all.filter((f) => f.startsWith(`${id} `))).toEqual([]);
  });

  it("covers every policy rule the package ships", () => {
    // The table above names each one: a new rule without a test fails here.
    const tested = [
      "public-ssh",
      "public-rdp",
      "open-ingress",
      "iam-wildcard-action",
      "iam-service-wildcard",
      "iam-wildcard-resource",
      "iam-action-format",
      "trust-any-principal",
      "imdsv1-allowed",
      "unencrypted-root-volume",
      "private-instance-public-subnet",
    ];
    expect(policyRules.map((r) => r.id).sort()).toEqual([...tested].sort());
    for (const rule of policyRules) {
      expect(rule.description, rule.id).toMatch(/\S/);
      expect(rule.fix, rule.id).toMatch(/\S/);
    }
  });

  it("reports SSH from the world as an error with the rule, the port and a fix, and leaves it to the SSH rule alone", () => {
    const { errors, warnings } = findings(group([{ port: 22, from: "0.0.0.0/0" }]));
    expect(errors).toEqual([
      expect.objectContaining({
        path: GROUP,
        type: "aws.ec2.SecurityGroup",
        rule: "public-ssh",
        message: "ingress opens SSH (port 22) to the whole internet (0.0.0.0/0)",
        found: { protocol: "tcp", port: 22, from: "0.0.0.0/0" },
        source: expect.stringMatching(/policy-rules\.render\.test\.tsx:\d+$/),
      }),
    ]);
    expect(warnings).toEqual([]);
  });

  it("names the actions IAM cannot parse and says how to write them", () => {
    const typo = role({
      inlinePolicies: { typo: policy({ Effect: "Allow", Action: ["s3 GetObject", "s3.PutObject"], Resource: "arn:aws:s3:::a/*" }) },
    });
    expect(findings(typo).errors.map((p) => [p.message, p.fix])).toEqual([
      [
        'inlinePolicies.typo statement 0: has actions not of the form "service:Action": "s3 GetObject", "s3.PutObject"',
        'Write them as "s3:GetObject", "s3:PutObject"',
      ],
    ]);
  });

  it("lets a waiver with a reason excuse an element, reported as waived", () => {
    const bastion = (
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          <SecurityGroup
            name="bastion"
            ingress={[{ port: 22, from: "0.0.0.0/0" }]}
            waive={{ "public-ssh": "bastion host, ticket OPS-12" }}
          />
        </Vpc>
      </Stack>
    );
    const rendered = renderStack(bastion);
    expect(rendered.waived.map((p) => [p.rule, p.path, p.waived])).toEqual([
      ["public-ssh", "Vpc:main/SecurityGroup:bastion", "bastion host, ticket OPS-12"],
    ]);
    expect(rendered.warnings).toEqual([]);
  });

  it("requires the tags an organisation configures, on every resource that takes tags", () => {
    const tagged = (tags: Record<string, string>) => (
      <Stack name="s" tags={tags}>
        <Vpc name="main" cidr="10.0.0.0/16">
          <Subnet name="a" cidr="10.0.1.0/24" tags={{ "cost-center": "42" }} />
        </Vpc>
      </Stack>
    );
    const rules = [requiredTags(["team", "cost-center"])];
    expect(findings(tagged({}), { rules }).errors.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "Vpc:main: is missing the required tags team, cost-center",
      "Vpc:main/Subnet:a: is missing the required tag team",
    ]);
    expect(findings(tagged({ team: "web", "cost-center": "42" }), { rules }).all).toEqual([]);
    // An empty value tells nothing: still missing.
    expect(findings(tagged({ team: " ", "cost-center": "42" }), { rules }).errors.map((p) => p.path)).toEqual([
      "Vpc:main",
      "Vpc:main/Subnet:a",
    ]);
  });

  it("lets a configuration require several sets of tags, each under its own id", () => {
    const rules = [requiredTags(["team"]), requiredTags(["owner"], { id: "owner-tag", severity: "warning" })];
    const { errors, warnings } = findings(
      <Stack name="s" tags={{ team: "web" }}>
        <Vpc name="main" cidr="10.0.0.0/16" />
      </Stack>,
      { rules },
    );
    expect(errors).toEqual([]);
    expect(warnings.map((p) => [p.rule, p.message])).toEqual([["owner-tag", "is missing the required tag owner"]]);
  });
});
