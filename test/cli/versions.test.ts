/**
 * A stack runs with the jiti packages bundled in the CLI, whatever the app
 * installed; when the app's copies are other versions, its editor checks
 * stack.tsx against other types than those of the code that runs, and every
 * command that loads the stack says so, with the fix.
 */
import { expect, test } from "vitest";
import { CLI_VERSION, jiti, jsonLines, useJiti } from "@jiti/testkit";

const { folder } = useJiti();

const STACK = `import { Stack, Vpc } from "@jiti/aws-particles";
export default () => <Stack name="skew"><Vpc name="main" cidr="10.0.0.0/16" /></Stack>;
`;

/** An installed package as node_modules holds it: only its manifest matters here. */
const installed = (name: string, version: string) =>
  JSON.stringify({ name, version, type: "module", exports: { "./package.json": "./package.json" } });

test("an app whose @jiti/aws-particles is another version than the CLI's is warned, with the fix; the stack still runs", async () => {
  const app = await folder({
    "stack.tsx": STACK,
    "node_modules/@jiti/aws-particles/package.json": installed("@jiti/aws-particles", "9.9.9"),
    "node_modules/@jiti/jsx-runtime/package.json": installed("@jiti/jsx-runtime", CLI_VERSION),
  });
  const run = await jiti(app, ["tree"]);
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout).stack).toBe("skew");
  expect(run.stderr).toContain(`@jiti/aws-particles 9.9.9 is installed, this jiti runs ${CLI_VERSION}`);
  expect(run.stderr).toContain("npm install -D @jiti/cli@9.9.9");
  // The package at the CLI's version is not named.
  expect(run.stderr).not.toContain("@jiti/jsx-runtime");

  const json = await jiti(app, ["tree", "--json"]);
  const warning = jsonLines(json.stdout).find((line) => line.kind === "warning");
  expect(warning).toMatchObject({
    code: "VersionSkew",
    skews: [{ name: "@jiti/aws-particles", installed: "9.9.9", bundled: CLI_VERSION }],
  });
});

test("an app with the CLI's versions, or with none installed, is not warned", async () => {
  const matching = await folder({
    "stack.tsx": STACK,
    "node_modules/@jiti/aws-particles/package.json": installed("@jiti/aws-particles", CLI_VERSION),
  });
  const bare = await folder({ "stack.tsx": STACK });
  for (const app of [matching, bare]) {
    const run = await jiti(app, ["tree"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
  }
});
