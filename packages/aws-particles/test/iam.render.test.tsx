import { formatProblem, RenderError, renderTree, Stack, type ParticleNode, type Problem } from "@jiti/reconciler";
import { describe, expect, test } from "vitest";
import { InstanceProfile } from "../src/iam/InstanceProfile.js";
import { Role } from "../src/iam/Role.js";
import { problemsOf } from "./problems.js";

const EC2_TRUST = {
  Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" } }],
  Version: "2012-10-17",
};

function nodes(tree: { children: ParticleNode[] }): ParticleNode[] {
  return tree.children.flatMap((n) => [n, ...nodes(n)]);
}

/** Problems as `path: message (found)`, the parts a user reads first. */
function summary(problems: Problem[]): string[] {
  return problems.map((p) => `${p.path}: ${p.message}${"found" in p ? ` (found: ${JSON.stringify(p.found)})` : ""}`);
}

describe("Role and InstanceProfile render", () => {
  test("assumedBy becomes the canonical trust policy; defaults, stack tags and the parent reference are filled in", () => {
    const tree = renderTree(
      <Stack name="s" tags={{ team: "analytics" }}>
        <Role
          name="app"
          assumedBy="ec2.amazonaws.com"
          inlinePolicies={{ read: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" }] } }}
        >
          <InstanceProfile name="app" />
        </Role>
      </Stack>,
    );

    const [roleNode, profileNode] = nodes(tree);
    expect(roleNode).toMatchObject({
      type: "aws.iam.Role",
      path: "Role:app",
      props: {
        trustPolicy: EC2_TRUST,
        inlinePolicies: { read: { Statement: [{ Action: "s3:GetObject", Effect: "Allow", Resource: "*" }], Version: "2012-10-17" } },
        managedPolicies: [],
        maxSessionDuration: 3600,
        tags: { team: "analytics" },
      },
    });
    expect(roleNode!.props).not.toHaveProperty("assumedBy");
    expect(profileNode).toMatchObject({
      type: "aws.iam.InstanceProfile",
      path: "Role:app/InstanceProfile:app",
      props: { role: { $ref: "Role:app" }, tags: { team: "analytics" } },
    });
  });

  test("a trust policy written out in full renders like the assumedBy that says the same", () => {
    const short = renderTree(
      <Stack name="s">
        <Role name="app" assumedBy={["ec2.amazonaws.com"]} />
      </Stack>,
    );
    const long = renderTree(
      <Stack name="s">
        <Role
          name="app"
          trustPolicy={{
            Version: "2012-10-17",
            Statement: { Effect: "Allow", Action: ["sts:AssumeRole"], Principal: { Service: ["ec2.amazonaws.com"] } },
          }}
        />
      </Stack>,
    );
    expect(long.children[0]!.props).toEqual(short.children[0]!.props);
  });

  test("managed policy ARNs are sorted without duplicates; AWS's and the account's both pass", () => {
    const tree = renderTree(
      <Stack name="s">
        <Role
          name="app"
          assumedBy="ec2.amazonaws.com"
          managedPolicies={[
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
            "arn:aws:iam::123456789012:policy/team/read-assets",
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
          ]}
        />
      </Stack>,
    );
    expect(tree.children[0]!.props.managedPolicies).toEqual([
      "arn:aws:iam::123456789012:policy/team/read-assets",
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    ]);
  });

  test("every problem of the stack is reported at once, with the element's path, file and line", () => {
    const problems = problemsOf(
      <Stack name="s">
        <Role
          name="both"
          assumedBy="ec2.amazonaws.com"
          trustPolicy={{ Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "ec2.amazonaws.com" } }] }}
        />
        <Role name="neither" />
        <Role name="bad-service" assumedBy="ec2" />
        <Role name="bad-arn" assumedBy="ec2.amazonaws.com" managedPolicies={["AmazonS3FullAccess"]} />
        <Role name="short" assumedBy="ec2.amazonaws.com" maxSessionDuration={600} />
        <Role name="described" assumedBy="ec2.amazonaws.com" description={"x".repeat(1001)} />
        <Role
          name="principal"
          assumedBy="ec2.amazonaws.com"
          inlinePolicies={{ p: { Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*", Principal: "*" }] } }}
        />
        <Role
          name="no-resource"
          assumedBy="ec2.amazonaws.com"
          inlinePolicies={{ p: { Statement: [{ Effect: "Allow", Action: "s3:*" }] } }}
        />
        <Role
          name="bad-name"
          assumedBy="ec2.amazonaws.com"
          inlinePolicies={{ "no spaces": { Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] } }}
        />
        <Role name="no-principal" trustPolicy={{ Statement: [{ Effect: "Allow", Action: "sts:AssumeRole" }] }} />
        <Role name="App" assumedBy="ec2.amazonaws.com" />
        <Role name="app" assumedBy="ec2.amazonaws.com" />
        <InstanceProfile name="loose" />
      </Stack>,
    );

    expect(summary(problems)).toEqual([
      'Role:both: assumedBy and trustPolicy both say who may assume the role (found: {"assumedBy":"ec2.amazonaws.com"})',
      "Role:neither: assumedBy or trustPolicy is required: who may assume the role",
      'Role:bad-service: assumedBy must name AWS service principals ending in ".amazonaws.com" (found: "ec2")',
      'Role:bad-arn: managedPolicies[0] must be a managed policy ARN (found: "AmazonS3FullAccess")',
      "Role:short: maxSessionDuration must be from 3600 to 43200 (seconds) (found: 600)",
      `Role:described: description must be at most 1000 characters (found: "${"x".repeat(1001)}")`,
      'Role:principal: inlinePolicies["p"].Statement[0] may not have a Principal: a role\'s permissions apply to whoever assumed it (found: "*")',
      expect.stringMatching(/^Role:no-resource: inlinePolicies\["p"\]\.Statement\[0\] must have a Resource/),
      'Role:bad-name: inlinePolicies keys must be policy names: 1 to 128 letters, digits or "_+=,.@-" (found: "no spaces")',
      expect.stringMatching(/^Role:no-principal: trustPolicy\.Statement\[0\] must have a Principal: who may assume the role/),
      'Role:App: its name differs only in case from Role:app, and IAM names ignore case (found: "app")',
      'Role:app: its name differs only in case from Role:App, and IAM names ignore case (found: "App")',
      'InstanceProfile:loose: <InstanceProfile> cannot be nested inside <Stack> (found: "<Stack>")',
    ]);
    expect(problems.every((p) => p.type.startsWith("aws.iam."))).toBe(true);
    expect(formatProblem(problems[1]!)).toMatch(
      /^packages\/aws-particles\/test\/iam\.render\.test\.tsx:\d+: Role:neither \(aws\.iam\.Role\): assumedBy or trustPolicy is required: who may assume the role\. Set assumedBy="ec2\.amazonaws\.com" for instances, or a full trustPolicy\.$/,
    );
  });

  test("a Role nests only in the Stack, and an InstanceProfile only in a Role", () => {
    const problems = problemsOf(
      <Stack name="s">
        <Role name="outer" assumedBy="ec2.amazonaws.com">
          <Role name="inner" assumedBy="ec2.amazonaws.com" />
          <InstanceProfile />
        </Role>
      </Stack>,
    );
    expect(summary(problems)).toEqual(['Role:outer/Role:inner: <Role> cannot be nested inside <Role> (found: "<Role>")']);
  });
});

describe("IAM tag characters", () => {
  test("rejects at render a stack tag IAM would refuse, naming the tag", () => {
    let error: unknown;
    try {
      renderTree(
        <Stack name="s" tags={{ team: "web (eu)" }}>
          <Role name="app" assumedBy="ec2.amazonaws.com" />
        </Stack>,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RenderError);
    expect((error as RenderError).problems.map((p) => `${p.path}: ${p.message} (found: ${JSON.stringify(p.found)})`)).toEqual([
      'Role:app: tags must use only letters, digits, spaces and _ . : / = + - @ on IAM resources (found: {"team":"web (eu)"})',
    ]);
  });
});
