import { SecurityGroup, Stack, Subnet, Vpc, Ec2 } from "@jiti/aws-particles";
import { ref } from "@jiti/jsx-runtime";
import { RenderError, formatProblem, graph, renderTree } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";

describe("graph", () => {
  it("has an edge for nesting and for every reference, and orders dependencies first", () => {
    const web = ref(SecurityGroup);
    const g = graph(
      renderTree(
        <Stack name="s">
          <Vpc name="main" cidr="10.0.0.0/16">
            <Subnet name="a" cidr="10.0.1.0/24">
              <Ec2 name="web" image="ami-12345678" securityGroups={[web]} />
            </Subnet>
            <SecurityGroup name="web" ref={web} />
          </Vpc>
        </Stack>,
      ),
    );
    expect(g.dependsOn.get("Vpc:main/Subnet:a/Ec2:web")).toEqual([
      { from: "Vpc:main/Subnet:a/Ec2:web", to: "Vpc:main/Subnet:a", via: "(parent)" },
      { from: "Vpc:main/Subnet:a/Ec2:web", to: "Vpc:main/SecurityGroup:web", via: "securityGroups[0]" },
    ]);
    const at = (p: string) => g.order.indexOf(p);
    expect(at("Vpc:main/SecurityGroup:web")).toBeLessThan(at("Vpc:main/Subnet:a/Ec2:web"));
    expect(at("Vpc:main")).toBeLessThan(at("Vpc:main/Subnet:a"));
  });

  it("reports a cycle naming every element in it and the prop that links them", () => {
    const a = ref(SecurityGroup);
    const b = ref(SecurityGroup);
    const tree = renderTree(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          <SecurityGroup name="a" ref={a} ingress={[{ port: 5432, from: b }]} />
          <SecurityGroup name="b" ref={b} ingress={[{ port: 443, from: a }]} />
        </Vpc>
      </Stack>,
    );
    let error: unknown;
    try {
      graph(tree);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RenderError);
    expect((error as RenderError).problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^test\/graph\.test\.tsx:\d+: Vpc:main\/SecurityGroup:a \(aws\.ec2\.SecurityGroup\): is part of a dependency cycle: Vpc:main\/SecurityGroup:a --ingress\[0\]\.group--> Vpc:main\/SecurityGroup:b --ingress\[0\]\.group--> Vpc:main\/SecurityGroup:a \(found: \["Vpc:main\/SecurityGroup:a","Vpc:main\/SecurityGroup:b"\]\)\. Break the cycle/,
      ),
    ]);
  });

  it("refuses a reference to an element being terminated", () => {
    const web = ref(SecurityGroup);
    const tree = renderTree(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          <SecurityGroup name="web" ref={web} state="terminated" />
          <Subnet name="a" cidr="10.0.1.0/24">
            <Ec2 name="web" image="ami-12345678" securityGroups={[web]} />
          </Subnet>
        </Vpc>
      </Stack>,
    );
    expect(() => graph(tree)).toThrow(/securityGroups\[0\] refers to Vpc:main\/SecurityGroup:web, which has state "terminated"/);
  });
});
