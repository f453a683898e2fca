/**
 * jiti as an application team gets it: the four packages packed (`pnpm
 * pack`, which builds them as a publish would) and installed with npm into a
 * fresh app in a temporary folder outside the workspace, which then follows
 * the README's "Use it in your app": `jiti init`, the app's own `tsc` (also
 * under stricter settings, with no error inside @jiti/*), the app's own
 * vitest on the generated snapshot test, a plain `node` script calling the
 * programmatic API, and `jiti plan`, `render --yes` and `destroy --yes`
 * against moto, with live state checked through the AWS SDK.
 *
 * npm installs from its cache where it can (`--prefer-offline`); the AWS SDK
 * and vitest make the install the slow part (about 20–40 s).
 */
import { DescribeInstancesCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { useMoto } from "@jiti/testkit";
import { freshApp, packAll, runIn } from "@jiti/testkit/install";

const ROOT = join(import.meta.dirname, "..");

useMoto();

let work: string;
let app: string;

const inApp = (command: string, args: readonly string[]) => runIn(app, command, args);
const npx = (...args: string[]) => inApp("npx", ["--no-install", ...args]);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "jiti-installed-"));
  const tarballs = await packAll(work);
  // As `npm init -y` makes it: CommonJS by default, a scoped name.
  app = join(work, "shop-api");
  // Only jiti: `jiti init` adds and installs vitest, typescript and Node's types, as the README says.
  await freshApp(app, "@acme/shop-api", tarballs);
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test("`npx jiti` is ours, and `jiti init` sets the stack up beside the app", async () => {
  const version = await npx("jiti", "--version");
  expect(version.stdout.trim()).toBe(JSON.parse(await readFile(join(ROOT, "packages/cli/package.json"), "utf8")).version);

  const init = await npx("jiti", "init");
  expect(init.code, init.stderr).toBe(0);
  const stack = await readFile(join(app, "stack.tsx"), "utf8");
  expect(stack).toContain("shop-api");
  expect(stack).toContain("NodeApp");
  expect(stack).toContain("server.ts");
  const tsconfig = await readFile(join(app, "tsconfig.json"), "utf8");
  expect(tsconfig).toContain("@jiti/jsx-runtime");
  await expect(readFile(join(app, "stack.test.tsx"), "utf8")).resolves.toContain("toMatchSnapshot");
}, 60_000);

test("the app's own tsc checks stack.tsx against the installed declarations, also under stricter settings", async () => {
  const plain = await npx("tsc", "--noEmit");
  expect(plain.code, plain.stdout).toBe(0);
  // Declarations checked too (no skipLibCheck), under the settings that broke on sources.
  const strict = await npx(
    "tsc",
    "--noEmit",
    "--skipLibCheck",
    "false",
    "--exactOptionalPropertyTypes",
    "--noPropertyAccessFromIndexSignature",
  );
  expect(strict.stdout).not.toContain("node_modules/@jiti/");
  expect(strict.code, strict.stdout).toBe(0);
}, 120_000);

test("the app's own vitest runs the generated snapshot test on the installed packages", async () => {
  const first = await npx("vitest", "run");
  expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
  expect(first.stdout).toMatch(/snapshot.*written|1 written/i);
  // And it holds on the second run, against the snapshot it wrote.
  const second = await npx("vitest", "run");
  expect(second.code, `${second.stdout}\n${second.stderr}`).toBe(0);
  expect(second.stdout).toMatch(/passed/);
}, 120_000);

test("a plain node script imports the packages' JavaScript and calls renderTree and plan", async () => {
  await writeFile(
    join(app, "plan.mjs"),
    [
      'import { jsx } from "@jiti/jsx-runtime/jsx-runtime";',
      'import { plan, renderTree } from "@jiti/reconciler";',
      'import { Stack, Vpc, Subnet, particles } from "@jiti/aws-particles";',
      'const stack = jsx(Stack, { name: "from-node", children: jsx(Vpc, { name: "main", cidr: "10.9.0.0/16", children: jsx(Subnet, { name: "a", cidr: "10.9.0.0/24" }) }) });',
      "const tree = renderTree(stack);",
      "const { plan: planned } = await plan(stack, { particles });",
      "console.log(JSON.stringify({ stack: tree.stack, actions: planned.actions.map((a) => `${a.action} ${a.type}`) }));",
      "",
    ].join("\n"),
  );
  const run = await inApp(process.execPath, ["plan.mjs"]);
  expect(run.code, run.stderr).toBe(0);
  expect(JSON.parse(run.stdout)).toEqual({ stack: "from-node", actions: ["create aws.ec2.Vpc", "create aws.ec2.Subnet"] });
}, 60_000);

test("jiti plan, render --yes and destroy --yes work on the generated stack against a local emulator", async () => {
  const ec2 = new EC2Client({});
  const owned = async () => {
    const filter = [{ Name: "tag:jiti:stack", Values: ["shop-api-dev", "shop-api"] }];
    const vpcs = (await ec2.send(new DescribeVpcsCommand({ Filters: filter }))).Vpcs ?? [];
    const instances = ((await ec2.send(new DescribeInstancesCommand({ Filters: filter }))).Reservations ?? [])
      .flatMap((r) => r.Instances ?? [])
      .filter((i) => i.State?.Name !== "terminated");
    return { vpcs: vpcs.length, instances: instances.length };
  };

  const plan = await npx("jiti", "plan");
  expect(plan.code, plan.stderr).toBe(0);
  expect(plan.stdout).toMatch(/to create/);

  const render = await npx("jiti", "render", "--yes");
  expect(render.code, `${render.stdout}\n${render.stderr}`).toBe(0);
  expect(await owned()).toEqual({ vpcs: 1, instances: 1 });

  const again = await npx("jiti", "plan", "--detailed-exitcode");
  expect(again.code, again.stdout).toBe(0);

  const destroy = await npx("jiti", "destroy", "--yes");
  expect(destroy.code, `${destroy.stdout}\n${destroy.stderr}`).toBe(0);
  expect(await owned()).toEqual({ vpcs: 0, instances: 0 });
  ec2.destroy();
}, 120_000);

test("esbuild's install script, which npm 11 leaves unapproved, is not needed: the README says so, and the stack is built without it", async () => {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  expect(readme.replace(/\s+/g, " ")).toContain(
    "jiti does not need it: esbuild finds its binary in its platform package without it, so it may stay unapproved",
  );
  const npm = await inApp("npm", ["--version"]);
  // npm before 11 runs every install script: there the script ran, and there is nothing to show.
  if (Number(npm.stdout.split(".")[0]) >= 11) {
    const scripts = await inApp("npm", ["install-scripts", "ls"]);
    expect(scripts.stdout).toMatch(/not yet covered by allowScripts:\n\s+esbuild@/);
  }
  // The stack compiles with esbuild (and the app's server.ts is bundled by it for <NodeApp>).
  const tree = await npx("jiti", "tree");
  expect(tree.code, tree.stderr).toBe(0);
  expect(JSON.parse(tree.stdout).stack).toBe("shop-api-dev");
}, 60_000);
