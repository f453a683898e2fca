import { JSX_IMPORT_SOURCE } from "./_init-tsconfig.js";

/*
 * The starter stack.tsx and stack.test.tsx that `jiti init` writes, as
 * Prettier (with its defaults) would format them, since they become the
 * user's own code.
 */

export interface Starter {
  /** The stack's name without its env, e.g. `my-app`: also the app's service and Linux user. */
  name: string;
  /** The app's entry file relative to stack.tsx, e.g. `server.ts`; undefined when none was found. */
  entry: string | undefined;
  /** Whether the files say `@jsxImportSource` themselves (the tsconfig keeps React's). */
  pragma: boolean;
  /** Whether the app has npm dependencies: too big, most often, for EC2's 16 KB of user data once bundled. */
  dependencies: boolean;
  /** How the package manager runs a bin (`npx`), for the comments. */
  runner: string;
}

/** The port the app listens on, opened by the security group: 80, which rules accept open to the world. */
const PORT = 80;

/** What stack.tsx imports, which its component must not be named. */
const IMPORTED = ["Ec2", "InternetGateway", "RouteTable", "SecurityGroup", "Stack", "Subnet", "Vpc", "CloudInit", "NodeApp"];

/** The stack's component: `my-app` → `MyApp`; `vpc` → `VpcApp`, not to shadow `Vpc`. */
export function componentName(name: string): string {
  const component = name
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
  return IMPORTED.includes(component) ? `${component}App` : component;
}

export function stackSource(starter: Starter): string {
  const { name, entry, runner } = starter;
  const component = componentName(name);
  const imports = [
    "import {",
    "  Ec2,",
    "  InternetGateway,",
    "  RouteTable,",
    "  SecurityGroup,",
    "  Stack,",
    "  Subnet,",
    "  Vpc,",
    "  amazonLinux,",
    '} from "@jiti/aws-particles";',
    ...(entry ? ['import { CloudInit, NodeApp } from "@jiti/aws-particles/userdata";'] : []),
    'import { ref } from "@jiti/jsx-runtime";',
  ];
  const runs = entry
    ? starter.dependencies
      ? [
          ` * runs ./${entry} as a systemd service (its code bundled into its user data`,
          " * by `jiti plan`, its npm packages installed at boot).",
        ]
      : [` * runs ./${entry} as a systemd service (bundled into its user data by`, " * `jiti plan`)."]
    : [" * has no app yet (see the comment above <Ec2>)."];
  const instance = entry
    ? [
        "          <Ec2",
        '            name="app"',
        '            type="t3.micro"',
        "            image={amazonLinux()}",
        "            securityGroups={[web]}",
        "            userData={",
        "              <CloudInit>",
        // Its npm packages installed at boot rather than bundled: EC2 keeps 16 KB of boot script.
        `                <NodeApp name="${name}" entry="./${entry}" port={PORT}${starter.dependencies ? ' dependencies="install"' : ""} />`,
        "              </CloudInit>",
        "            }",
        "          />",
      ]
    : [
        "          {/*",
        "            No entry file was found (package.json's main or start script,",
        "            server.ts, index.ts…). To run the app on the instance, import",
        '            { CloudInit, NodeApp } from "@jiti/aws-particles/userdata" and',
        "            give <Ec2> this prop:",
        "",
        "              userData={",
        "                <CloudInit>",
        `                  <NodeApp name="${name}" entry="./server.ts" port={PORT} />`,
        "                </CloudInit>",
        "              }",
        "          */}",
        "          <Ec2",
        '            name="app"',
        '            type="t3.micro"',
        "            image={amazonLinux()}",
        "            securityGroups={[web]}",
        "          />",
      ];
  return lines([
    ...pragma(starter),
    ...imports,
    "",
    "/** The port the app listens on: <NodeApp> sets PORT to it, and the security group opens it. */",
    `const PORT = ${PORT};`,
    "",
    "/**",
    ` * ${name} on one EC2 instance: a VPC with a public subnet routed to an`,
    " * internet gateway, a security group open on PORT, and the instance, which",
    ...runs,
    " *",
    ` *   ${runner} jiti plan     what would change (in AWS, or the emulator at AWS_ENDPOINT_URL)`,
    ` *   ${runner} jiti render   make those changes`,
    " */",
    `export default function ${component}({ env }: { env: string }) {`,
    "  const gateway = ref(InternetGateway);",
    "  const publicA = ref(Subnet);",
    "  const web = ref(SecurityGroup);",
    "",
    "  return (",
    `    <Stack name={\`${name}-\${env}\`} tags={{ app: "${name}", env }}>`,
    '      <Vpc name="main" cidr="10.0.0.0/16">',
    '        <InternetGateway name="gw" ref={gateway} />',
    "        <RouteTable",
    '          name="public"',
    '          routes={[{ destination: "0.0.0.0/0", gateway }]}',
    "          subnets={[publicA]}",
    "        />",
    "        <SecurityGroup",
    '          name="web"',
    "          ref={web}",
    "          description={`Port ${PORT} from anywhere`}",
    '          ingress={[{ port: PORT, from: "0.0.0.0/0", description: "HTTP" }]}',
    "        />",
    "",
    "        <Subnet",
    '          name="public-a"',
    "          ref={publicA}",
    '          cidr="10.0.1.0/24"',
    "          zone={0}",
    "          public",
    "        >",
    ...instance,
    "        </Subnet>",
    "      </Vpc>",
    "    </Stack>",
    "  );",
    "}",
  ]);
}

export function testSource(starter: Starter): string {
  const { name, entry } = starter;
  const component = componentName(name);
  const app = entry
    ? [
        "",
        `  it("runs ${entry} from the instance's boot script", () => {`,
        `    const tree = renderTree(<${component} env="dev" />);`,
        "    const instance = [...walk(tree.children)].find(",
        '      (node) => node.type === "aws.ec2.Instance",',
        "    );",
        // Bracket access: props is an index signature, and some apps set noPropertyAccessFromIndexSignature.
        '    const script = instance?.props["userData"];',
        "    expect(script).toMatch(/^#!\\/bin\\/bash\\n/);",
        `    expect(script).toContain("${name}.service");`,
        "  });",
      ]
    : [];
  return lines([
    ...pragma(starter),
    `import { renderTree${entry ? ", walk" : ""} } from "@jiti/reconciler";`,
    'import { describe, expect, it } from "vitest";',
    `import ${component} from "./stack.js";`,
    "",
    "/**",
    " * The tree with the instance's boot script left out: it holds the bundled",
    " * app, which changes with the app's code, not with the stack.",
    " */",
    "function stable(tree: ReturnType<typeof renderTree>) {",
    "  return JSON.parse(JSON.stringify(tree), (key, value: unknown) =>",
    '    key === "userData" ? "<boot script>" : value,',
    "  );",
    "}",
    "",
    'describe("stack.tsx", () => {',
    '  it("renders the dev stack", () => {',
    `    expect(stable(renderTree(<${component} env="dev" />))).toMatchSnapshot();`,
    "  });",
    "",
    '  it("names the stack after its env", () => {',
    `    expect(renderTree(<${component} env="prod" />).stack).toBe("${name}-prod");`,
    "  });",
    ...app,
    "});",
  ]);
}

function pragma(starter: Starter): string[] {
  return starter.pragma ? [`/** @jsxImportSource ${JSX_IMPORT_SOURCE} */`] : [];
}

function lines(text: string[]): string {
  return `${text.join("\n")}\n`;
}
