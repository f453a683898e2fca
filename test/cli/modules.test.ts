/**
 * A stack may import any module the jiti packages export; the CLI serves each
 * from its own bundled copy. Checked through the built bin: a stack importing
 * every subpath in the `exports` map of every jiti package the CLI depends on
 * renders with `jiti tree`, each module with all its exports, and the CLI
 * offers no module beyond those. A new subpath is covered without editing
 * this test.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { jiti, useJiti } from "@jiti/testkit";

const { folder } = useJiti();

interface Manifest {
  name: string;
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const PACKAGES = join(import.meta.dirname, "../../packages");
const manifests = readdirSync(PACKAGES).map((dir) => JSON.parse(readFileSync(join(PACKAGES, dir, "package.json"), "utf8")) as Manifest);

/**
 * `@jiti/jsx-runtime`, `@jiti/aws-particles/userdata`…: every module the jiti
 * packages the CLI bundles publish (an export with an `import` condition;
 * not `./package.json`, not the workspace-only `./internal`).
 */
function exportedModules(): string[] {
  const cli = manifests.find((m) => m.name === "@jiti/cli")!;
  // Bundled, so none is a runtime dependency of the CLI.
  const bundledNames = Object.keys(cli.devDependencies ?? {}).filter((name) => name.startsWith("@jiti/"));
  expect(Object.keys(cli.dependencies ?? {}).filter((name) => name.startsWith("@jiti/"))).toEqual([]);
  const bundled = manifests.filter((m) => bundledNames.includes(m.name));
  expect(bundled.map((m) => m.name).sort()).toEqual(["@jiti/aws-particles", "@jiti/jsx-runtime", "@jiti/reconciler"]);
  return bundled.flatMap((pkg) =>
    Object.entries(pkg.exports ?? {})
      .filter(([, target]) => typeof target === "object" && "import" in target)
      .map(([subpath]) => (subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`)),
  );
}

/** A stack whose tags name, for each module, the exports it found there. */
function stackImporting(modules: readonly string[]): string {
  return [
    ...modules.map((name, i) => `import * as m${i} from ${JSON.stringify(name)};`),
    `import { Stack } from "@jiti/reconciler";`,
    `const loaded: Array<[string, object]> = [${modules.map((name, i) => `[${JSON.stringify(name)}, m${i}]`).join(", ")}];`,
    `export default <Stack name="modules" tags={Object.fromEntries(loaded.map(([name, m]) => [name, Object.keys(m).sort().join(" ")]))} />;`,
    "",
  ].join("\n");
}

test("the CLI serves every module the jiti packages export, with all its exports", async () => {
  const modules = exportedModules();
  const stack = await folder({ "stack.tsx": stackImporting(modules) });
  const run = await jiti(stack, ["tree"]);
  expect(run.code, run.stderr).toBe(0);
  const served = (JSON.parse(run.stdout) as { tags: Record<string, string> }).tags;
  const expected: Record<string, string> = {};
  for (const name of modules)
    expected[name] = Object.keys((await import(name)) as object)
      .sort()
      .join(" ");
  expect(served).toEqual(expected);
});

test("and offers no module beyond those", async () => {
  const stack = await folder({ "stack.tsx": 'import "@jiti/no-such-module";\nexport default null;\n' });
  const run = await jiti(stack, ["tree"]);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('"@jiti/no-such-module" is not a module of jiti');
  const offered = /jiti provides (.+)\.$/m.exec(run.stderr)?.[1];
  expect(offered, run.stderr).toBeDefined();
  expect(
    offered!
      .split(", ")
      .map((name) => JSON.parse(name) as string)
      .sort(),
  ).toEqual(exportedModules().sort());
});
