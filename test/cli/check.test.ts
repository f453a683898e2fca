/**
 * `jiti check`, and the same rules in `jiti plan`: built-in policy rules, an
 * organisation's rule and severities from the nearest jiti.config.ts, and a
 * waiver, as text, --json and SARIF (each parsed), with no AWS call at all.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { jiti, jsonLines, useJiti, useMoto } from "@jiti/testkit";

const { folder } = useJiti();
const moto = useMoto();

const STACK = `import { SecurityGroup, Stack, Vpc } from "@jiti/aws-particles";

export default function App({ env }: { env: string }) {
  return (
    <Stack name={\`guard-\${env}\`}>
      <Vpc name="main" cidr="10.0.0.0/24">
        <SecurityGroup name="bastion" ingress={[{ port: 22, from: "0.0.0.0/0" }]} waive={{ "public-ssh": "bastion host, ticket OPS-12" }} />
        <SecurityGroup name="app" ingress={[{ port: 8080, from: "0.0.0.0/0" }]} />
      </Vpc>
    </Stack>
  );
}
`;

/** An organisation's rule, and open ingress made an error. */
const CONFIG = `import { defineConfig, type Rule } from "@jiti/reconciler";

const noSmallVpcs: Rule = {
  id: "no-small-vpcs",
  severity: "error",
  description: "VPCs smaller than /20 run out of addresses",
  fix: "Use a /16 to /20 block",
  check: (tree) =>
    tree
      .ofType("aws.ec2.Vpc")
      .filter((n) => Number(String(n.props.cidr).split("/")[1]) > 20)
      .map((node) => ({ node, message: "the block is smaller than /20", found: node.props.cidr, fix: "Use a /16 block" })),
};

export default defineConfig({ rules: [noSmallVpcs], severity: { "open-ingress": "error" } });
`;

interface SarifLog {
  version: string;
  runs: Array<{
    tool: {
      driver: { name: string; rules: Array<{ id: string; shortDescription: { text: string }; defaultConfiguration: { level: string } }> };
    };
    results: Array<{
      ruleId: string;
      level: string;
      message: { text: string };
      locations?: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }>;
      suppressions?: Array<{ kind: string; justification: string }>;
    }>;
  }>;
}

describe("jiti check", () => {
  test("without a config: warnings and waived findings only, exit 0, in text", async () => {
    const stack = await folder({ "stack.tsx": STACK });
    const run = await jiti(stack, ["check"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      "Warnings:\n  - stack.tsx:8: Vpc:main/SecurityGroup:app (aws.ec2.SecurityGroup): ingress opens port 8080 to the whole internet (0.0.0.0/0)",
    );
    expect(run.stdout).toMatch(
      /Waived:\n {2}- stack\.tsx:7: Vpc:main\/SecurityGroup:bastion .* \[public-ssh\] waived: bastion host, ticket OPS-12/,
    );
    expect(run.stdout).toContain("Check passed: 0 errors, 1 warning, 1 waived in stack.tsx.");
    expect(await moto.calls()).toEqual([]);
  });

  test("an organisation's rule and severities from the nearest jiti.config.ts, up the folders: errors exit 1, in --json", async () => {
    // The config sits a folder above the stack, as at the root of a monorepo.
    const repo = await folder({ "jiti.config.ts": CONFIG, "infra/stack.tsx": STACK });
    const run = await jiti(join(repo.dir, "infra"), ["check", "--json"]);
    expect(run.code, run.stderr).toBe(1);
    const [report] = jsonLines(run.stdout);
    expect(report).toMatchObject({ kind: "check", ok: false, config: "../jiti.config.ts" });
    const by = (list: unknown) =>
      (list as Array<{ rule: string; path: string; source: string }>).map((p) => `${p.rule} ${p.path} ${p.source}`);
    expect(by(report!.errors)).toEqual(["no-small-vpcs Vpc:main stack.tsx:6", "open-ingress Vpc:main/SecurityGroup:app stack.tsx:8"]);
    expect(by(report!.waived)).toEqual(["public-ssh Vpc:main/SecurityGroup:bastion stack.tsx:7"]);
    expect((report!.waived as Array<{ waived: string }>)[0]!.waived).toBe("bastion host, ticket OPS-12");
    expect(await moto.calls()).toEqual([]);
  });

  test("--format sarif: a SARIF 2.1.0 log with each finding on its stack.tsx line, the waiver as a suppression", async () => {
    const stack = await folder({ "stack.tsx": STACK, "jiti.config.ts": CONFIG });
    const run = await jiti(stack, ["check", "--format", "sarif"]);
    expect(run.code, run.stderr).toBe(1);
    const log = JSON.parse(run.stdout) as SarifLog;
    expect(log.version).toBe("2.1.0");
    const [only] = log.runs;
    expect(only!.tool.driver.name).toBe("jiti");
    const results = only!.results.map((r) => ({
      rule: r.ruleId,
      level: r.level,
      at: `${r.locations?.[0]?.physicalLocation.artifactLocation.uri}:${r.locations?.[0]?.physicalLocation.region.startLine}`,
      suppressed: r.suppressions?.map((s) => `${s.kind}: ${s.justification}`),
    }));
    expect(results).toEqual([
      { rule: "no-small-vpcs", level: "error", at: "stack.tsx:6", suppressed: undefined },
      { rule: "open-ingress", level: "error", at: "stack.tsx:8", suppressed: undefined },
      { rule: "public-ssh", level: "error", at: "stack.tsx:7", suppressed: ["inSource: bastion host, ticket OPS-12"] },
    ]);
    // Every result's rule is described, the organisation's own with its description.
    const rules = new Map(only!.tool.driver.rules.map((r) => [r.id, r]));
    expect([...rules.keys()].sort()).toEqual(["no-small-vpcs", "open-ingress", "public-ssh"]);
    expect(rules.get("no-small-vpcs")!.shortDescription.text).toBe("VPCs smaller than /20 run out of addresses");
  });

  test("SARIF for code scanning: paths from the repository's root, a location on every result, a summary on stderr with -o", async () => {
    const throwing = `import { defineConfig } from "@jiti/reconciler";
export default defineConfig({
  rules: [{ id: "broken", severity: "warning", description: "Breaks", fix: "Fix it", check: () => { throw new Error("bad rule"); } }],
});
`;
    // A repository whose stack is two folders down, checked from its own folder (as a CI step with working-directory does).
    const repo = await folder({
      ".git/HEAD": "ref: refs/heads/main\n",
      "infra/app/stack.tsx": STACK,
      "infra/app/jiti.config.ts": throwing,
    });
    const run = await jiti(join(repo.dir, "infra/app"), ["check", "--format", "sarif", "-o", "jiti.sarif"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe("Check failed: 1 error, 1 warning, 1 waived in stack.tsx. SARIF written to jiti.sarif.\n");
    const log = JSON.parse(await repo.read("infra/app/jiti.sarif")) as SarifLog;
    const results = log.runs[0]!.results.map((r) => [
      r.ruleId,
      r.locations?.[0]?.physicalLocation.artifactLocation.uri,
      r.locations?.[0]?.physicalLocation.region.startLine,
    ]);
    expect(results).toEqual([
      // The rule that threw has no line of its own: shown at the stack file's first.
      ["broken", "infra/app/stack.tsx", 1],
      ["open-ingress", "infra/app/stack.tsx", 8],
      ["public-ssh", "infra/app/stack.tsx", 7],
    ]);
  });

  test("a stack that does not load still leaves a SARIF log saying so, for the upload step", async () => {
    const stack = await folder({ "stack.tsx": 'export default <Stack name="x"\n' });
    const run = await jiti(stack, ["check", "--format", "sarif", "-o", "jiti.sarif"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: stack.tsx:2");
    const log = JSON.parse(await stack.read("jiti.sarif")) as SarifLog;
    expect(log.runs[0]!.results.map((r) => [r.ruleId, r.level, r.locations?.[0]?.physicalLocation.artifactLocation.uri])).toEqual([
      ["load-error", "error", "stack.tsx"],
    ]);
  });

  test("the text report says which configuration gave the rules", async () => {
    const repo = await folder({ "jiti.config.ts": CONFIG, "infra/stack.tsx": STACK });
    const run = await jiti(join(repo.dir, "infra"), ["check"]);
    expect(run.stdout).toContain(
      "Rules and severities from ../jiti.config.ts.\nCheck failed: 2 errors, 0 warnings, 1 waived in stack.tsx.",
    );
  });

  test("a config importing an npm package that is not installed says to install it", async () => {
    const config = 'import { acme } from "@acme/jiti-rules";\nexport default { rules: acme };\n';
    const stack = await folder({ "stack.tsx": STACK, "jiti.config.ts": config });
    const run = await jiti(stack, ["check"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('jiti.config.ts imports "@acme/jiti-rules", but there is no node_modules folder above it to import from');
    expect(run.stderr).toContain("npm install @acme/jiti-rules");
  });

  test("a config that is not one is an error naming the file, before anything runs", async () => {
    const stack = await folder({ "stack.tsx": STACK, "jiti.config.ts": 'export default { rules: [{ id: "x" }] };\n' });
    const run = await jiti(stack, ["check"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "error: jiti.config.ts: rules[0] is not a rule: a rule is { id, severity, description, fix, check(tree) }",
    );
  });

  test("a rule that throws is an error naming the rule, never a pass", async () => {
    const throwing = `import { defineConfig } from "@jiti/reconciler";
export default defineConfig({
  rules: [{ id: "broken", severity: "warning", description: "Breaks", fix: "Fix it", check: () => { throw new Error("bad rule"); } }],
});
`;
    const stack = await folder({ "stack.tsx": STACK, "jiti.config.ts": throwing });
    const run = await jiti(stack, ["check", "--json"]);
    expect(run.code).toBe(1);
    const [report] = jsonLines(run.stdout);
    expect((report!.errors as Array<{ message: string; rule: string }>).map((e) => [e.rule, e.message])).toEqual([
      ["broken", 'rule "broken" threw: bad rule'],
    ]);
  });
});

describe("the same rules in jiti plan", () => {
  test("an error-level finding stops the plan before any AWS call; warnings and waivers are shown with it", async () => {
    const stack = await folder({ "stack.tsx": STACK, "jiti.config.ts": CONFIG });
    const failed = await jiti(stack, ["plan"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("Vpc:main (aws.ec2.Vpc): the block is smaller than /20");
    expect(failed.stderr).toMatch(/Waived:\n {2}- stack\.tsx:7: .*waived: bastion host, ticket OPS-12/);
    expect(await moto.calls()).toEqual([]);

    await stack.write(
      "jiti.config.ts",
      'import { defineConfig } from "@jiti/reconciler";\nexport default defineConfig({ severity: { "open-ingress": "warning" } });\n',
    );
    await stack.edit((text) => text.replace('cidr="10.0.0.0/24"', 'cidr="10.0.0.0/16"'));
    const planned = await jiti(stack, ["plan", "--json"]);
    expect(planned.code, planned.stderr).toBe(0);
    const plan = jsonLines(planned.stdout).find((l) => l.kind === "plan")!;
    expect((plan.warnings as Array<{ rule: string }>).map((w) => w.rule)).toEqual(["open-ingress"]);
    expect((plan.waived as Array<{ rule: string; waived: string }>).map((w) => [w.rule, w.waived])).toEqual([
      ["public-ssh", "bastion host, ticket OPS-12"],
    ]);
  });
});
