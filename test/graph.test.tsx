import { SecurityGroup, Stack, Subnet, Vpc, Ec2 } from "@jiti/aws-particles";
import { ref } from "@jiti/jsx-runtime";
import { RenderError, formatProblem, graph, renderTree } from "@jiti/reconciler";
import { particleOf } from "@jiti/reconciler/particle";
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
    // No two AWS particles can refer to each other strongly, so the tree is written as the JSON render makes.
    const node = (path: string, props: Record<string, unknown>) => ({
      type: "test.Thing",
      name: path,
      path,
      state: "running" as const,
      props: props as never,
      children: [],
      source: "stack.tsx:3",
    });
    const tree = {
      stack: "s",
      tags: {},
      children: [node("Thing:a", { uses: { $ref: "Thing:b" } }), node("Thing:b", { uses: [{ $ref: "Thing:a" }] })],
    };
    let error: unknown;
    try {
      graph(tree);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RenderError);
    expect((error as RenderError).problems.map(formatProblem)).toEqual([
      'stack.tsx:3: Thing:a (test.Thing): is part of a dependency cycle: Thing:a --uses--> Thing:b --uses[0]--> Thing:a (found: ["Thing:a","Thing:b"]). Break the cycle: remove one of these references, or move the rule that needs it to another element.',
    ]);
  });

  it("security groups may name each other and themselves: rules are weak references, no cycle", () => {
    const a = ref(SecurityGroup);
    const b = ref(SecurityGroup);
    const tree = renderTree(
      <Stack name="s">
        <Vpc name="main" cidr="10.0.0.0/16">
          <SecurityGroup
            name="a"
            ref={a}
            ingress={[
              { port: 5432, from: b },
              { protocol: "all", from: a },
            ]}
          />
          <SecurityGroup name="b" ref={b} ingress={[{ port: 443, from: a }]} />
        </Vpc>
      </Stack>,
    );
    const g = graph(tree, {
      weakRefs: (type) => (particleOf(SecurityGroup)!.type === type ? particleOf(SecurityGroup)!.weakRefs : undefined),
    });
    expect(g.order).toEqual(["Vpc:main", "Vpc:main/SecurityGroup:a", "Vpc:main/SecurityGroup:b"]);
    expect(
      g.dependsOn
        .get("Vpc:main/SecurityGroup:a")!
        .filter((e) => e.weak)
        .map((e) => e.to)
        .sort(),
    ).toEqual(["Vpc:main/SecurityGroup:a", "Vpc:main/SecurityGroup:b"]);
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
