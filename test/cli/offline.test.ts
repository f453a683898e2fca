/**
 * The commands that call no AWS API: --version, --help, usage errors,
 * `tree` and `graph`. The moto harness is not used: if any of these
 * reached AWS, it would fail for want of an endpoint and credentials.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { chmod, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CLI_VERSION, jiti, jsonLines, useJiti } from "@jiti/testkit";

const { fixture } = useJiti({ fixtures: join(import.meta.dirname, "fixtures") });

const offline = { AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_ACCESS_KEY_ID: undefined, AWS_PROFILE: undefined };

describe("jiti", () => {
  test("--version prints the package version", async () => {
    const run = await jiti(tmpdir(), ["--version"]);
    expect(run).toMatchObject({ code: 0, stdout: `${CLI_VERSION}\n`, stderr: "" });
  });

  test("--help lists every command, without colour when piped", async () => {
    const run = await jiti(tmpdir(), ["--help"]);
    expect(run.code).toBe(0);
    for (const command of ["render", "plan", "destroy", "ls", "tree", "graph", "local"]) expect(run.stdout).toContain(command);
    expect(run.stdout).not.toContain("\x1b[");
  });

  test("a command's --help lists its flags", async () => {
    const run = await jiti(tmpdir(), ["plan", "--help"]);
    expect(run.code).toBe(0);
    for (const flag of [
      "--detailed-exitcode",
      "--env",
      "--stack",
      "--region",
      "--profile",
      "--endpoint",
      "--concurrency",
      "--json",
      "--no-color",
      "--debug",
    ]) {
      expect(run.stdout).toContain(flag);
    }
  });

  test("an unknown command, flag or argument is an error with exit code 1", async () => {
    const stack = await fixture("network");
    const command = await jiti(stack, ["deploy"]);
    expect(command.code).toBe(1);
    expect(command.stderr).toContain('error: unknown command "deploy"');
    const flag = await jiti(stack, ["plan", "--detailed-exitcodes"], { env: offline });
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain("error: unknown option --detailed-exitcodes");
    const extra = await jiti(stack, ["tree", "stack.tsx", "other.tsx"]);
    expect(extra.code).toBe(1);
    expect(extra.stderr).toContain('unexpected argument "other.tsx"');
  });

  test("a missing stack file says where it looked", async () => {
    const run = await jiti(tmpdir(), ["tree"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: no stack file at stack.tsx");
    expect(run.stdout).toBe("");
  });
});

describe("reaching AWS", () => {
  test("an endpoint nobody answers on says so, and how to start the emulator", async () => {
    const stack = await fixture("network");
    const run = await jiti(stack, ["plan", "--endpoint", "http://127.0.0.1:9"], { env: { AWS_REGION: "us-east-1" } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: could not reach AWS: connect ECONNREFUSED 127.0.0.1:9");
    expect(run.stderr).toContain("--endpoint is http://127.0.0.1:9: is the emulator running? Start one with `jiti local`");
  });
});

describe("jiti tree", () => {
  test("prints the rendered tree as JSON, with --env passed to the stack component", async () => {
    const stack = await fixture("network");
    const run = await jiti(stack, ["tree", "--env", "prod"]);
    expect(run.code).toBe(0);
    const tree = JSON.parse(run.stdout);
    expect(tree.stack).toBe("cli-prod");
    expect(tree.children.map((n: { path: string }) => n.path)).toEqual(["Vpc:main"]);
    expect(tree.children[0].children.map((n: { path: string; source: string }) => [n.path, n.source])).toEqual([
      ["Vpc:main/Subnet:a", "stack.tsx:8"],
      ["Vpc:main/Subnet:b", "stack.tsx:9"],
    ]);
  });

  test("--stack renames the stack before render, so default Name tags follow", async () => {
    const stack = await fixture("network");
    const run = await jiti(stack, ["tree", "--stack", "review-42"]);
    expect(run.code).toBe(0);
    const tree = JSON.parse(run.stdout);
    expect(tree.stack).toBe("review-42");
    expect(tree.children[0].props.tags).toEqual({ Name: "review-42/main", team: "cli" });
  });

  test("graph draws security groups that name each other, without calling it a cycle", async () => {
    const stack = await fixture("network");
    await stack.edit((s) =>
      s
        .replace(
          'import { Stack, Subnet, Vpc } from "@jiti/aws-particles";',
          'import { SecurityGroup, Stack, Subnet, Vpc } from "@jiti/aws-particles";\nimport { ref } from "@jiti/jsx-runtime";\nconst web = ref(SecurityGroup);\nconst db = ref(SecurityGroup);',
        )
        .replace(
          '        <Subnet name="a"',
          '        <SecurityGroup name="web" ref={web} egress={[{ port: 5432, to: db }]} />\n        <SecurityGroup name="db" ref={db} ingress={[{ port: 5432, from: web }]} />\n        <Subnet name="a"',
        ),
    );
    const run = await jiti(stack, ["graph"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('-. "egress[0].group" .->');
    expect(run.stdout).toContain('-. "ingress[0].group" .->');
  });

  test("an endpoint that is not an AWS API says so, instead of blaming credentials", async () => {
    const server = createServer((_req, res) => res.end("<html><head><meta></head></html>"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const stack = await fixture("network");
      const run = await jiti(stack, ["plan", "--endpoint", `http://127.0.0.1:${port}`]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `--endpoint is http://127.0.0.1:${port}, and its answer carried no AWS request id: is it an AWS API endpoint?`,
      );
    } finally {
      server.close();
    }
  });

  test("a flag's value is never taken for the command, whatever it spells", async () => {
    const stack = await fixture("network");
    const run = await jiti(stack, ["--stack", "plan", "tree"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).stack).toBe("plan");
  });

  test("--stack with a name render rejects is a render error", async () => {
    const stack = await fixture("network");
    const run = await jiti(stack, ["tree", "--stack", "no spaces"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("jiti.Stack: name must be 1 to 32 letters, digits or '-', starting with a letter");
  });

  test("--json prints one line with the tree", async () => {
    const stack = await fixture("network");
    const run = await jiti(stack, ["tree", "--json"]);
    const [line, ...rest] = jsonLines(run.stdout);
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ kind: "tree", tree: { stack: "cli-dev" } });
  });
});

describe("loading stack.tsx", () => {
  test("a syntax error shows file:line:column and the offending line, and no stack trace of jiti", async () => {
    const stack = await fixture("network");
    await stack.edit((s) =>
      s.replace('<Subnet name="b" cidr="10.0.2.0/24" zone={1} />', '<Subnet name="b" cidr="10.0.2.0/24" zone={1} </Vpc>'),
    );
    const run = await jiti(stack, ["plan"], { env: offline });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatchInlineSnapshot(`
      "error: stack.tsx:9:54: Expected ">" but found "<"
        9 │         <Subnet name="b" cidr="10.0.2.0/24" zone={1} </Vpc>
          │                                                      ^
      "
    `);
    expect(run.stderr).not.toMatch(/\bat .*\.(m?js|ts):\d+/);
  });

  test("an error thrown while the stack loads points at the user's line", async () => {
    const stack = await fixture("network");
    await stack.edit((s) => s.replace("/** A small network", 'const settings = JSON.parse("{ not json");\n\n/** A small network'));
    const run = await jiti(stack, ["tree"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatchInlineSnapshot(`
      "error: stack.tsx:3:23: the stack threw while loading: SyntaxError: Expected property name or '}' in JSON at position 2
        3 │ const settings = JSON.parse("{ not json");
          │                       ^
        Fix the code at that line.
      "
    `);
  });

  test("--debug adds the stack trace, mapped to the user's file", async () => {
    const stack = await fixture("network");
    await stack.edit((s) => s.replace("/** A small network", 'const settings = JSON.parse("{ not json");\n\n/** A small network'));
    const run = await jiti(stack, ["tree", "--debug"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${stack.dir}/stack.tsx:3:`);
  });

  test("a stack without a default export says how to export one", async () => {
    const stack = await fixture("network");
    await stack.edit((s) => s.replace("export default function", "export function"));
    const run = await jiti(stack, ["tree"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: stack.tsx has no default export");
  });

  test("an import of something jiti does not export fails at the import, before anything runs", async () => {
    const stack = await fixture("network");
    await stack.edit((s) =>
      s
        .replace("import { Stack, Subnet, Vpc }", "import { Stack, Subnet, Vpc, Subnett }")
        .replace("zone={1} />", "zone={1} />{String(Subnett)}"),
    );
    const run = await jiti(stack, ["tree"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('stack.tsx:1:30: No matching export in "@jiti/aws-particles" for import "Subnett"');
  });

  test("the stack's tsconfig.json paths resolve, and import.meta.url is each module's own", async () => {
    const stack = await fixture("paths");
    const run = await jiti(stack, ["tree"]);
    expect(run.stderr).toBe("");
    const tree = JSON.parse(run.stdout);
    expect(tree.children[0]).toMatchObject({ path: "Vpc:main", props: { cidr: "10.42.0.0/16" }, source: "infra/network.tsx:8" });
  });

  test("npm packages the stack imports are loaded from its node_modules", async () => {
    const stack = await fixture("network");
    await stack.write("node_modules/naming/package.json", JSON.stringify({ name: "naming", type: "module", exports: "./index.js" }));
    await stack.write("node_modules/naming/index.js", "export const stackName = (env) => `named-${env}`;\n");
    await stack.edit((s) => `import { stackName } from "naming";\n${s.replace("name={`cli-${env}`}", "name={stackName(env)}")}`);
    const run = await jiti(stack, ["tree"]);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout).stack).toBe("named-dev");
    // Node resolves the package from the compiled module, so that sits under the stack's node_modules.
    expect(await readdir(join(stack.dir, "node_modules/.cache/jiti"))).toEqual([
      expect.stringMatching(/^stack-[0-9a-f]{10}-[0-9a-f]{10}\.mjs$/),
    ]);
  });
});

describe("jiti graph", () => {
  test("prints Mermaid by default: nesting as arrows, references as dashed arrows labelled with the prop", async () => {
    const stack = await fixture("graph");
    const run = await jiti(stack, ["graph"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatchInlineSnapshot(`
      "flowchart TD
        n0["Vpc:main<br/><small>aws.ec2.Vpc</small>"]
        n1["Vpc:main/InternetGateway:gw<br/><small>aws.ec2.InternetGateway</small>"]
        n2["Vpc:main/Subnet:public-a<br/><small>aws.ec2.Subnet</small>"]
        n3["Vpc:main/RouteTable:public<br/><small>aws.ec2.RouteTable</small>"]
        n4["Vpc:main/SecurityGroup:web<br/><small>aws.ec2.SecurityGroup</small>"]
        n0 --> n1
        n0 --> n2
        n0 --> n3
        n1 -. "routes[0].gateway" .-> n3
        n2 -. "subnets[0]" .-> n3
        n0 --> n4
      "
    `);
  });

  test("--format dot prints Graphviz DOT", async () => {
    const stack = await fixture("graph");
    const run = await jiti(stack, ["graph", "--format", "dot"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatchInlineSnapshot(`
      "digraph "web-dev" {
        rankdir=TB;
        node [shape=box, style=rounded, fontname="Helvetica"];
        "Vpc:main" [label="Vpc:main\\naws.ec2.Vpc"];
        "Vpc:main/InternetGateway:gw" [label="Vpc:main/InternetGateway:gw\\naws.ec2.InternetGateway"];
        "Vpc:main/Subnet:public-a" [label="Vpc:main/Subnet:public-a\\naws.ec2.Subnet"];
        "Vpc:main/RouteTable:public" [label="Vpc:main/RouteTable:public\\naws.ec2.RouteTable"];
        "Vpc:main/SecurityGroup:web" [label="Vpc:main/SecurityGroup:web\\naws.ec2.SecurityGroup"];
        "Vpc:main" -> "Vpc:main/InternetGateway:gw";
        "Vpc:main" -> "Vpc:main/Subnet:public-a";
        "Vpc:main" -> "Vpc:main/RouteTable:public";
        "Vpc:main/InternetGateway:gw" -> "Vpc:main/RouteTable:public" [style=dashed, label="routes[0].gateway"];
        "Vpc:main/Subnet:public-a" -> "Vpc:main/RouteTable:public" [style=dashed, label="subnets[0]"];
        "Vpc:main" -> "Vpc:main/SecurityGroup:web";
      }
      "
    `);
  });

  test("--json prints nodes and edges", async () => {
    const stack = await fixture("graph");
    const [graph] = jsonLines((await jiti(stack, ["graph", "--json"])).stdout);
    expect(graph).toMatchObject({ kind: "graph", stack: "web-dev" });
    expect(graph!.edges).toContainEqual({
      from: "Vpc:main/RouteTable:public",
      to: "Vpc:main/InternetGateway:gw",
      via: "routes[0].gateway",
    });
  });

  test("--format svg says how to install Graphviz when dot is missing", async () => {
    const stack = await fixture("graph");
    const run = await jiti(stack, ["graph", "--format", "svg"], { env: { JITI_DOT: join(stack.dir, "no-such-dot") } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("apt-get install graphviz");
    expect(run.stderr).toContain("brew install graphviz");
  });

  test("--format svg writes what Graphviz draws to <stack>.svg", async () => {
    const stack = await fixture("graph");
    // A stand-in for Graphviz: checks that it is given DOT, answers with SVG.
    const bin = await mkdtemp(join(tmpdir(), "jiti-dot-"));
    const dot = join(bin, "dot");
    await writeFile(dot, '#!/bin/sh\ngrep -q "^digraph" && echo "<svg>$1</svg>"\n');
    await chmod(dot, 0o755);
    const run = await jiti(stack, ["graph", "--format", "svg"], { env: { JITI_DOT: dot } });
    expect(run).toMatchObject({ code: 0, stdout: "Wrote web-dev.svg\n" });
    expect(await stack.read("web-dev.svg")).toBe("<svg>-Tsvg</svg>\n");
  });
});
