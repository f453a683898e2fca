import { ref, type JitiNode } from "@jiti/jsx-runtime";
import {
  RenderError,
  Stack,
  formatProblem,
  plan,
  renderStack,
  type Finding,
  type RenderOptions,
  type Rule,
  type RuleTree,
} from "@jiti/reconciler";
import { defineParticle, particleOf } from "@jiti/reconciler/particle";
import { describe, expect, it } from "vitest";
import { FakeCloud, fakeParticles } from "@jiti/testkit";

const cloud = new FakeCloud();
const { Net, Sub, Box, Group, particles } = fakeParticles(cloud);

/** A rule from a function over the tree; errors unless said otherwise. */
const rule = (id: string, check: (tree: RuleTree) => Finding[], severity: Rule["severity"] = "error"): Rule => ({
  id,
  severity,
  description: `test rule ${id}`,
  fix: "Follow the test rule",
  check,
});

/** Every /8 block is too wide: a finding on each such Net. */
const noWideNets = rule("no-wide-nets", (tree) =>
  tree
    .ofType("fake.Net")
    .filter((n) => String(n.props.cidr).endsWith("/8"))
    .map((node) => ({ node, message: "cidr is wider than /16", found: node.props.cidr, fix: "Use a /16 block" })),
);

const stack = (
  <Stack name="s">
    <Net name="wide" cidr="10.0.0.0/8">
      <Sub name="a" cidr="10.0.1.0/24" />
    </Net>
    <Net name="ok" cidr="10.1.0.0/16" />
  </Stack>
);

function problemsOf(el: JitiNode, options: RenderOptions): string[] {
  try {
    renderStack(el, options);
  } catch (error) {
    if (error instanceof RenderError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
}

describe("the rule stage", () => {
  it("runs rules passed to the API after validation, reporting findings with the element's path, type, line and rule id", () => {
    try {
      renderStack(stack, { rules: [noWideNets] });
      expect.unreachable("the rule should fail the render");
    } catch (error) {
      expect((error as RenderError).problems).toEqual([
        {
          path: "Net:wide",
          type: "fake.Net",
          message: "cidr is wider than /16",
          found: "10.0.0.0/8",
          fix: "Use a /16 block",
          source: expect.stringMatching(/^packages\/reconciler\/test\/rules\.test\.tsx:\d+$/),
          rule: "no-wide-nets",
        },
      ]);
    }
    // Without the rule, the same tree renders.
    expect(renderStack(stack).tree.children).toHaveLength(2);
  });

  it("gives rules each node's parent and children as nodes, and resolves references to their targets", () => {
    const seen: string[] = [];
    const g = ref(Group);
    const look = rule("look", (tree) => {
      for (const node of tree.nodes) {
        const targets = Array.isArray(node.props.groups) ? node.props.groups.map((v) => tree.target(v)?.path) : [];
        seen.push(
          `${node.component} ${node.path} in ${node.parent?.path ?? "(stack)"} [${node.children.map((c) => c.name).join(",")}] -> ${targets.join(",")}`,
        );
      }
      return [];
    });
    renderStack(
      <Stack name="s">
        <Net name="n" cidr="10.0.0.0/16">
          <Group name="g" ref={g} />
          <Sub name="a" cidr="10.0.1.0/24">
            <Box name="b" groups={[g]} />
          </Sub>
        </Net>
      </Stack>,
      { rules: [look] },
    );
    expect(seen).toEqual([
      "Net Net:n in (stack) [g,a] -> ",
      "Group Net:n/Group:g in Net:n [] -> ",
      "Sub Net:n/Sub:a in Net:n [b] -> ",
      "Box Net:n/Sub:a/Box:b in Net:n/Sub:a [] -> Net:n/Group:g",
    ]);
  });

  it("reports warnings beside the tree instead of failing, and lets a severity be changed or turned off by id", () => {
    const warning = { ...noWideNets, severity: "warning" as const };
    const rendered = renderStack(stack, { rules: [warning] });
    expect(rendered.warnings.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^packages\/reconciler\/test\/rules\.test\.tsx:\d+: Net:wide \(fake\.Net\): cidr is wider than \/16 \(found: "10\.0\.0\.0\/8"\)\. Use a \/16 block\.$/,
      ),
    ]);
    expect(renderStack(stack, { rules: [noWideNets], severity: { "no-wide-nets": "warning" } }).warnings).toHaveLength(1);
    expect(renderStack(stack, { rules: [noWideNets], severity: { "no-wide-nets": "off" } }).warnings).toEqual([]);
    expect(problemsOf(stack, { rules: [warning], severity: { "no-wide-nets": "error" } })).toHaveLength(1);
  });

  it("reports a rule that throws as an error naming the rule, never as a pass", () => {
    const broken = rule("broken", () => {
      throw new Error("cannot read cidr");
    });
    expect(problemsOf(stack, { rules: [broken] })).toEqual([
      'jiti.Rule: rule "broken" threw: cannot read cidr. Fix the rule, or turn it off with severity { "broken": "off" }.',
    ]);
  });

  it("runs a rule given twice once, and refuses two rules with one id or an id that is not kebab-case", () => {
    expect(problemsOf(stack, { rules: [noWideNets, noWideNets] })).toHaveLength(1);
    expect(problemsOf(<Stack name="s" />, { rules: [rule("twin", () => []), rule("twin", () => []), rule("Not OK", () => [])] })).toEqual([
      'jiti.Rule: two different rules have the id "twin" (found: "twin"). Give each rule its own id.',
      'jiti.Rule: a rule\'s id must be lowercase words joined by \'-\' (found: "Not OK"). Use an id such as "no-public-ssh".',
    ]);
  });

  it("runs the rules a particle lists whenever the particle is rendered, once however many use them", () => {
    let runs = 0;
    const counted = rule("counted", (tree) => {
      runs++;
      return tree.ofType("test.RuledSub").map((node) => ({ node, message: "found by the particle's rule", fix: "None" }));
    });
    const RuledSub = defineParticle({ ...particleOf(Sub)!, type: "test.RuledSub", name: "RuledSub", rules: [counted] });
    const tree = (
      <Stack name="s">
        <Net name="n" cidr="10.0.0.0/16">
          <RuledSub name="a" cidr="10.0.1.0/24" />
          <RuledSub name="b" cidr="10.0.2.0/24" />
        </Net>
      </Stack>
    );
    expect(problemsOf(tree, {}).map((p) => p.replace(/^.*?: /, ""))).toEqual([
      "Net:n/RuledSub:a (test.RuledSub): found by the particle's rule. None.",
      "Net:n/RuledSub:b (test.RuledSub): found by the particle's rule. None.",
    ]);
    expect(runs).toBe(1);
    // Passed in as well, the same rule still runs once.
    expect(problemsOf(tree, { rules: [counted] })).toHaveLength(2);
    expect(runs).toBe(2);
  });

  it("tells rules which nodes failed their own validation", () => {
    const Checked = defineParticle({
      ...particleOf(Sub)!,
      type: "test.CheckedSub",
      name: "CheckedSub",
      validate: (props: { cidr?: unknown }) => (props.cidr === "bad" ? [{ message: "cidr is bad", fix: "Fix it" }] : []),
    });
    /** What the rule stage says of each node's validity, for a subnet with this cidr. */
    const validity = (cidr: string) => {
      const valid: string[] = [];
      const seen = rule("valid", (tree) => (tree.nodes.forEach((n) => valid.push(`${n.path} ${n.valid}`)), []));
      problemsOf(
        <Stack name="s">
          <Net name="n" cidr="10.0.0.0/16">
            <Checked name="a" cidr={cidr} />
          </Net>
        </Stack>,
        { rules: [seen] },
      );
      return valid;
    };
    expect(validity("10.0.1.0/24")).toEqual(["Net:n true", "Net:n/CheckedSub:a true"]);
    expect(validity("bad")).toEqual(["Net:n true", "Net:n/CheckedSub:a false"]);
  });

  it("runs the API's rules before any call to the cloud, and hands warnings to the plan", async () => {
    cloud.log.length = 0;
    await expect(plan(stack, { particles, rules: [noWideNets] })).rejects.toThrow(/Net:wide \(fake\.Net\): cidr is wider than \/16/);
    expect(cloud.log).toEqual([]);
    const planned = await plan(stack, { particles, rules: [noWideNets], severity: { "no-wide-nets": "warning" } });
    expect(planned.warnings.map((w) => [w.path, w.rule])).toEqual([["Net:wide", "no-wide-nets"]]);
    expect(planned.plan.summary.create).toBe(3);
  });

  it("reports a finding the element waives as waived, with the reason, and stale or unknown waivers as warnings", () => {
    const waived = (
      <Stack name="s">
        <Net name="wide" cidr="10.0.0.0/8" waive={{ "no-wide-nets": "the lab network, ticket NET-7" }} />
        <Net name="ok" cidr="10.1.0.0/16" waive={{ "no-wide-nets": "left over", "no-such-rule": "typo" }} />
      </Stack>
    );
    const rendered = renderStack(waived, { rules: [noWideNets] });
    expect(rendered.waived.map((p) => [p.path, p.rule, p.waived])).toEqual([["Net:wide", "no-wide-nets", "the lab network, ticket NET-7"]]);
    expect(rendered.warnings.map((p) => `${p.path}: ${p.message}. ${p.fix}.`)).toEqual([
      'Net:ok: waives "no-such-rule", but no rule has that id. Check the rule\'s id, or remove the waiver.',
      'Net:ok: waives rule "no-wide-nets", which finds nothing here. Remove "no-wide-nets" from waive.',
    ]);
    // A rule turned off finds nothing, but its waivers are not stale: the configuration may turn it back on.
    expect(
      renderStack(waived, { rules: [noWideNets], severity: { "no-wide-nets": "off" } }).warnings.map((p) => [p.rule, p.found]),
    ).toEqual([["stale-waiver", { "no-such-rule": "typo" }]]);
    // The waiver is in the tree, so snapshots show it.
    expect(rendered.tree.children[0]!.waive).toEqual({ "no-wide-nets": "the lab network, ticket NET-7" });
  });

  it("carries warnings and waived findings on the RenderError when errors fail the render", () => {
    const both = (
      <Stack name="s">
        <Net name="wide" cidr="10.0.0.0/8" />
        <Net name="lab" cidr="10.0.0.0/8" waive={{ "no-wide-nets": "lab" }} />
      </Stack>
    );
    const error = (() => {
      try {
        renderStack(both, { rules: [noWideNets] });
      } catch (e) {
        return e as RenderError;
      }
      throw new Error("expected a RenderError");
    })();
    expect(error.problems.map((p) => p.path)).toEqual(["Net:wide"]);
    expect(error.waived.map((p) => p.path)).toEqual(["Net:lab"]);
  });

  it.each([
    ["a reason that is empty", { "no-wide-nets": " " }, 'the waiver of "no-wide-nets" needs a reason'],
    ["no rule at all", {}, "waive must name at least one rule"],
    [
      "something that is not a rule id",
      { "No Wide": "x" },
      `waive names "No Wide", which is not a rule id (lowercase words joined by '-')`,
    ],
    ["a list", ["no-wide-nets"], "waive must map rule ids to reasons"],
  ])("rejects a waiver with %s", (_, waive, message) => {
    expect(
      problemsOf(
        <Stack name="s">
          <Net name="n" cidr="10.0.0.0/16" waive={waive as never} />
        </Stack>,
        {},
      ).map((p) => p.replace(/^.*?\): /, "")),
    ).toEqual([expect.stringContaining(message)]);
  });

  it("leaves elements being terminated out of the rules, so that an apply can remove an offending one", () => {
    const leaving = (
      <Stack name="s">
        <Net name="wide" cidr="10.0.0.0/8" state="terminated">
          <Sub name="a" cidr="10.0.1.0/24" />
        </Net>
      </Stack>
    );
    const seen: string[] = [];
    const rendered = renderStack(leaving, {
      rules: [noWideNets, rule("seen", (tree) => (seen.push(...tree.nodes.map((n) => n.path)), []))],
    });
    expect(rendered.warnings).toEqual([]);
    expect(seen).toEqual([]);
  });

  it("renders without any rule when asked (runRules: false)", () => {
    expect(renderStack(stack, { rules: [noWideNets], runRules: false }).tree.stack).toBe("s");
  });

  it("keeps a mandatory rule an error: its severity is not changed and a waiver of it is stale", () => {
    const structural: Rule = { ...noWideNets, id: "wide-nets-refused", mandatory: true };
    const waiving = (
      <Stack name="s">
        <Net name="wide" cidr="10.0.0.0/8" waive={{ "wide-nets-refused": "please" }} />
      </Stack>
    );
    const problems = problemsOf(waiving, { rules: [structural], severity: { "wide-nets-refused": "off" } });
    expect(problems.map((p) => p.replace(/^.*?: /, ""))).toEqual([
      'rule "wide-nets-refused" finds what AWS would refuse half way through an apply: its severity cannot be changed (found: {"wide-nets-refused":"off"}). Remove "wide-nets-refused" from severity.',
      'Net:wide (fake.Net): cidr is wider than /16 (found: "10.0.0.0/8"). Use a /16 block.',
    ]);
  });

  it("reports a severity for a rule nobody has: a typo must not leave a rule as it was", () => {
    expect(problemsOf(stack, { rules: [noWideNets], severity: { "no-wide-net": "error", "no-wide-nets": "warning" } })).toEqual([
      'jiti.Rule: severity names "no-wide-net", but no rule has that id (found: "no-wide-net"). Check the rule\'s id against `jiti check` or the README\'s list.',
    ]);
  });

  it.each([
    ["a promise", () => Promise.resolve([]), "returned a promise: rules run synchronously, before any AWS call"],
    ["no list", () => undefined, "returned undefined, not a list of findings"],
    ["a finding without a node", () => [{ message: "x", fix: "y" }], "returned a finding without a node or a message (finding 0)"],
  ])("reports a rule that answers with %s as an error naming it", (_, check, message) => {
    const broken: Rule = { id: "broken", severity: "warning", description: "d", fix: "f", check: check as never };
    expect(problemsOf(stack, { rules: [broken] })).toEqual([expect.stringContaining(`rule "broken" ${message}`)]);
  });

  it("gives a finding without a fix of its own the rule's fix", () => {
    const terse: Rule = { ...noWideNets, check: (tree) => tree.ofType("fake.Net").map((node) => ({ node, message: "too wide" }) as never) };
    expect(problemsOf(stack, { rules: [terse] }).map((p) => p.replace(/^.*?: /, ""))).toEqual([
      "Net:wide (fake.Net): too wide. Follow the test rule.",
      "Net:ok (fake.Net): too wide. Follow the test rule.",
    ]);
  });
});
