/**
 * `<Ec2>` at render: defaults, references, userData JSX and validation, all
 * pure (no AWS). The lifecycle against moto is in Ec2.test.ts.
 */
import { ref } from "@jiti/jsx-runtime";
import { formatProblem, RenderError, renderTree, Stack, walk, type ParticleNode, type Problem } from "@jiti/reconciler";
import { digest, particleOf } from "@jiti/reconciler/particle";
import { describe, expect, test } from "vitest";
import { Ec2, type Ec2Props } from "../src/ec2/Ec2.js";
import type { InstanceType } from "../src/ec2/instance-types.js";
import { amazonLinux, ubuntu } from "../src/ec2/image.js";
import { InternetGateway } from "../src/ec2/InternetGateway.js";
import { SecurityGroup } from "../src/ec2/SecurityGroup.js";
import { Subnet } from "../src/ec2/Subnet.js";
import { Vpc } from "../src/ec2/Vpc.js";
import { InstanceProfile } from "../src/iam/InstanceProfile.js";
import { Role } from "../src/iam/Role.js";
import { CloudInit, Run } from "../src/userdata/index.js";

const WEB = "Vpc:main/Subnet:a/Ec2:web";

/** `<Ec2 name="web" …/>` in a subnet of a VPC of stack "s". */
function stack(props: Partial<Ec2Props> & Record<string, unknown>) {
  const all = { image: amazonLinux(), ...props } as Ec2Props;
  return (
    <Stack name="s">
      <Vpc name="main" cidr="10.0.0.0/16">
        <Subnet name="a" cidr="10.0.1.0/24" zone={0}>
          <Ec2 name="web" {...all} />
        </Subnet>
      </Vpc>
    </Stack>
  );
}

function node(tree: ReturnType<typeof renderTree>, path = WEB): ParticleNode {
  return [...walk(tree.children)].find((n) => n.path === path)!;
}

function problems(element: Parameters<typeof renderTree>[0]): Problem[] {
  try {
    renderTree(element);
  } catch (error) {
    if (error instanceof RenderError) return [...error.problems];
    throw error;
  }
  throw new Error("expected the render to fail");
}

/** The problems of the instance only, as `message → fix`. */
function ec2Problems(props: Partial<Ec2Props> & Record<string, unknown>) {
  return problems(stack(props))
    .filter((p) => p.path === WEB)
    .map((p) => ({ message: p.message, fix: p.fix, ...("found" in p ? { found: p.found } : {}) }));
}

describe("render", () => {
  test("applies defaults, takes its subnet from the parent and a Name tag from the path", () => {
    const web = node(renderTree(stack({})));

    expect(web).toMatchObject({ type: "aws.ec2.Instance", name: "web", state: "running" });
    expect(web.props).toEqual({
      subnet: { $ref: "Vpc:main/Subnet:a" },
      type: "t3.micro",
      image: { lookup: "amazonLinux", version: "2023", arch: "x86_64" },
      securityGroups: [],
      rootVolumeEncrypted: true,
      rootVolumeType: "gp3",
      imdsV2: true,
      tags: { Name: "s/main/a/web" },
    });
  });

  test("userData JSX renders to its script, which the plan compares by digest", () => {
    const web = node(
      renderTree(
        stack({
          userData: (
            <CloudInit>
              <Run>echo hello</Run>
            </CloudInit>
          ),
        }),
      ),
    );

    expect(web.props.userData).toEqual(expect.stringMatching(/^#!\/bin\/bash\n[\s\S]*echo hello\n/));
    expect(particleOf(Ec2)!.hashed).toEqual(["userData"]);
    expect(digest(web.props.userData!)).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  test("references to security groups and an instance profile become $ref paths; groups are sorted", () => {
    const web = ref(SecurityGroup);
    const admin = ref(SecurityGroup);
    const profile = ref(InstanceProfile);
    const tree = renderTree(
      <Stack name="s">
        <Role name="app" assumedBy="ec2.amazonaws.com">
          <InstanceProfile name="app" ref={profile} />
        </Role>
        <Vpc name="main" cidr="10.0.0.0/16">
          <SecurityGroup name="web" ref={web} />
          <SecurityGroup name="admin" ref={admin} />
          <Subnet name="a" cidr="10.0.1.0/24" zone={0}>
            <Ec2
              name="web"
              image={ubuntu({ arch: "arm64" })}
              type="t4g.small"
              securityGroups={[web, "sg-0123456789abcdef0", admin]}
              profile={profile}
              state="stopped"
            />
          </Subnet>
        </Vpc>
      </Stack>,
    );

    const instance = node(tree);
    expect(instance.state).toBe("stopped");
    expect(instance.props).toMatchObject({
      image: { lookup: "ubuntu", version: "24.04", arch: "arm64" },
      securityGroups: [{ $ref: "Vpc:main/SecurityGroup:admin" }, { $ref: "Vpc:main/SecurityGroup:web" }, "sg-0123456789abcdef0"],
      profile: { $ref: "Role:app/InstanceProfile:app" },
    });
  });

  test("every prop is either updated in place or replaces the instance", () => {
    expect(particleOf(Ec2)!.props).toEqual({
      subnet: "replace",
      type: "update",
      image: "replace",
      securityGroups: "update",
      profile: "update",
      userData: "replace",
      keyName: "replace",
      rootVolumeSize: "update",
      rootVolumeEncrypted: "replace",
      rootVolumeType: "update",
      imdsV2: "update",
      tags: "update",
    });
  });
});

describe("validation", () => {
  test.each([["t3.micro"], ["m7g.large"], ["c5n.18xlarge"], ["m7i-flex.large"], ["u-6tb1.metal"], ["c7i.metal-48xl"]])(
    "accepts the instance type %s",
    (type) => {
      const arch = /^(m7g|t4g)/.test(type) ? "arm64" : "x86_64";
      expect(() => renderTree(stack({ type: type as InstanceType, image: amazonLinux({ arch }) }))).not.toThrow();
    },
  );

  test.each([
    ["t3-micro", 'Did you mean "t3.micro"?'],
    ["T3.Micro", 'Did you mean "t3.micro"?'],
    ["t3", "Pick one from https://aws.amazon.com/ec2/instance-types/"],
    ["t3.huge", "Pick one from https://aws.amazon.com/ec2/instance-types/"],
    ["t3.mirco", 'Did you mean "t3.micro"?'],
  ])("rejects the instance type %s", (type, fix) => {
    // Past the types (as a stack that is not type-checked is): the render says the same.
    expect(ec2Problems({ type: type as never })).toEqual([
      { message: 'type must be an instance type "<family>.<size>", such as "t3.micro", "m7g.large" or "c5n.18xlarge"', found: type, fix },
    ]);
  });

  test("reports every problem at once, each with the path and the file:line of the element", () => {
    const found = problems(
      stack({
        type: "t3-micro",
        image: "ubuntu-24.04",
        securityGroups: ["web"],
        profile: "arn:aws:iam::123456789012:instance-profile/jiti/s/app",
        rootVolumeType: "io2",
        rootVolumeSize: 0,
        imdsV2: "yes",
      } as never),
    );

    expect(found.map((p) => p.message)).toEqual([
      'type must be an instance type "<family>.<size>", such as "t3.micro", "m7g.large" or "c5n.18xlarge"',
      'image must be an AMI id ("ami-" and 8 or 17 hex digits) or an image lookup',
      'securityGroups[0] must be a reference to a <SecurityGroup> or an id starting with "sg-"',
      "profile must be a reference to an <InstanceProfile> or an instance profile name",
      "rootVolumeSize must be from 1 to 16384 (GiB)",
      'rootVolumeType must be one of "gp3", "gp2"',
      "imdsV2 must be true or false",
    ]);
    expect(found.every((p) => p.path === WEB && p.type === "aws.ec2.Instance" && /Ec2\.render\.test\.tsx:\d+$/.test(p.source ?? ""))).toBe(
      true,
    );
    expect(found.find((p) => p.message.startsWith("profile"))?.fix).toBe('Pass the profile\'s name, the part after the last "/": "app"');
  });

  test("image is required", () => {
    expect(ec2Problems({ image: undefined })).toEqual([{ message: "image is required", fix: "Set image, e.g. image={amazonLinux()}" }]);
  });

  test("an image lookup written by hand must be one amazonLinux() or ubuntu() would make", () => {
    expect(ec2Problems({ image: { lookup: "ubuntu", version: "20.04", arch: "x86_64" } as never })).toEqual([
      expect.objectContaining({ message: 'image version of ubuntu() must be "24.04" or "22.04"' }),
    ]);
  });

  test("an arm64 image on an x86 type, or the reverse, is an error before anything launches", () => {
    expect(ec2Problems({ image: amazonLinux({ arch: "arm64" }) })).toEqual([
      expect.objectContaining({
        message: "type t3.micro runs x86_64 images, but image is an arm64 image",
        fix: expect.stringContaining('"t4g.micro"'),
      }),
    ]);
    expect(ec2Problems({ type: "c7gn.large", image: ubuntu() })).toEqual([
      expect.objectContaining({ message: "type c7gn.large is a Graviton (arm64) type, but image is an x86_64 image" }),
    ]);
    // With an AMI id jiti cannot know the architecture at render.
    expect(() => renderTree(stack({ type: "t4g.micro", image: "ami-0123456789abcdef0" }))).not.toThrow();
  });

  test("a security group listed twice", () => {
    expect(ec2Problems({ securityGroups: ["sg-0123456789abcdef0", "sg-0123456789abcdef0"] })).toEqual([
      { message: "securityGroups lists a group more than once", found: ["sg-0123456789abcdef0"], fix: "List each security group once" },
    ]);
  });

  test("a userData string over EC2's 16 KB limit", () => {
    expect(ec2Problems({ userData: "#!/bin/sh\n" + "x".repeat(16 * 1024) })).toEqual([
      expect.objectContaining({ message: "userData is over EC2's limit of 16384 bytes", found: "16394 bytes" }),
    ]);
  });

  test("userData JSX with problems is reported as the step's own problem, of the instance, at the step's line", () => {
    const run = <Run />;
    const found = problems(stack({ userData: <CloudInit>{run}</CloudInit> })).filter((p) => p.path === WEB);

    // Not wrapped in a sentence about normalising props, and with no doubled full stop.
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ type: "aws.ec2.Instance", message: expect.stringMatching(/^<Run>: /) });
    expect(found[0]!.message).not.toContain("normalised");
    expect(found[0]!.source).toBe(`packages/aws-particles/test/Ec2.render.test.tsx:${run.source!.lineNumber}`);
    expect(formatProblem(found[0]!)).not.toMatch(/\.\.$/);
  });

  test("a reference to an element of another kind is an error before any AWS call, also where TypeScript is not run", () => {
    const gateway = ref(InternetGateway);
    const role = ref(Role);
    const found = problems(
      <Stack name="s">
        <Role name="app" assumedBy="ec2.amazonaws.com" ref={role} />
        <Vpc name="main" cidr="10.0.0.0/16">
          <InternetGateway name="gw" ref={gateway} />
          <Subnet name="a" cidr="10.0.1.0/24">
            {/* What a plain-JavaScript stack can write: the types would refuse it. */}
            <Ec2 name="web" image={amazonLinux()} securityGroups={[gateway as never]} profile={role as never} />
          </Subnet>
        </Vpc>
      </Stack>,
    );
    expect(found.map((p) => [p.path, p.message, p.found])).toEqual([
      [WEB, "securityGroups[0] must be a reference to a <SecurityGroup>, not to a <InternetGateway>", "Vpc:main/InternetGateway:gw"],
      [WEB, "profile must be a reference to a <InstanceProfile>, not to a <Role>", "Role:app"],
    ]);
  });

  test("an <Ec2> outside a <Subnet>", () => {
    const found = problems(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          <Ec2 name="web" image={amazonLinux()} />
        </Vpc>
      </Stack>,
    );

    expect(found).toEqual([
      expect.objectContaining({ path: "Vpc:main/Ec2:web", message: "<Ec2> cannot be nested inside <Vpc>", fix: "Move it into a <Subnet>" }),
    ]);
  });
});
