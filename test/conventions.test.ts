/**
 * Conventions of the workspace that a test keeps (see "Rooms" in STYLE.md):
 *
 * - A leading `_` in a file name means "imported only by files in its own
 *   folder"; the folder's index.ts re-exports what others may use. No
 *   package's `exports` map points at such a file.
 * - A relative import stays at home: within its package (whose own tests
 *   may import its sources by path), within the root test/, within bench/,
 *   within an example. Another package is reached by its name
 *   (`@jiti/reconciler`), never by a path into its folder
 *   (`../../reconciler/src/…`), and test helpers come from `@jiti/testkit`,
 *   never by reaching up into test/ (`../../../test/moto.js`). The one
 *   exception: root tests run the examples' stacks, which are not packages
 *   with an API, and import them by path.
 *
 * Imports are read with TypeScript's own scanner (`preProcessFile`), so an
 * import written inside a string or a comment is not one.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import ts from "typescript";
import { describe, expect, test } from "vitest";

const ROOT = join(import.meta.dirname, "..");

interface Source {
  /** Relative to the workspace root, with `/`. */
  file: string;
  text: string;
}

/** `packages/cli` → `@jiti/cli`, for every workspace package under packages/. */
const packageNames = new Map<string, string>(
  readdirSync(join(ROOT, "packages")).map((dir) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "packages", dir, "package.json"), "utf8")) as { name: string };
    return [`packages/${dir}`, manifest.name];
  }),
);

/** Every .ts and .tsx file of the folders the conventions cover. */
function workspaceSources(): Source[] {
  const folders = [...[...packageNames.keys()].flatMap((pkg) => [`${pkg}/src`, `${pkg}/test`]), "test", "bench", "examples"];
  return folders.filter((folder) => existsSync(join(ROOT, folder))).flatMap((folder) => filesUnder(folder));
}

function filesUnder(folder: string): Source[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    const file = `${folder}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : filesUnder(file);
    return /\.tsx?$/.test(entry.name) ? [{ file, text: readFileSync(join(ROOT, file), "utf8") }] : [];
  });
}

/** Where a path belongs: its package (`packages/cli`), `test`, `bench`, or its example (`examples/web-app`). */
function homeOf(path: string): string {
  return /^(packages|examples)\/[^/]+/.exec(path)?.[0] ?? path.split("/")[0]!;
}

/** Why `file` may not import `target` by a relative path, if it may not. */
function awayFromHome(file: string, target: string): string | undefined {
  const [from, to] = [homeOf(file), homeOf(target)];
  if (from === to || (from === "test" && to.startsWith("examples/"))) return undefined;
  const name = packageNames.get(to);
  if (name) return `import "${name}" instead`;
  if (to === "test") return `import test helpers from "@jiti/testkit" instead`;
  return `nothing outside ${to}/ imports from it by path`;
}

/** The line of `text` that names `specifier`. */
function lineOf(text: string, specifier: string): string {
  return text.split("\n").find((line) => line.includes(`"${specifier}"`)) ?? "";
}

/** What breaks the conventions in `sources`, one line each. */
function violations(sources: readonly Source[]): string[] {
  const found: string[] = [];
  for (const { file, text } of sources) {
    for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!specifier.startsWith(".")) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      const folder = posix.dirname(target);
      if (posix.basename(target).startsWith("_") && folder !== posix.dirname(file)) {
        found.push(`${file} imports "${specifier}", a _ module of ${folder}/: import what ${folder}/index.ts exports instead`);
      }
      // An index re-exports what its folder offers: a file it re-exports from is no _ module.
      if (posix.basename(target).startsWith("_") && posix.basename(file) === "index.ts" && /^\s*export\b/m.test(lineOf(text, specifier))) {
        found.push(
          `${file} re-exports from "${specifier}": what an index exports is not private to its folder, so drop the _ from its name`,
        );
      }
      const away = awayFromHome(file, target);
      if (away) found.push(`${file} imports "${specifier}", outside ${homeOf(file)}/: ${away}`);
    }
  }
  return found;
}

describe("workspace conventions", () => {
  test("no file imports a _ module of another folder, nor by path from outside its package, test/, bench/ or example", () => {
    const sources = workspaceSources();
    // The scan reaches every corner it claims to.
    for (const folder of [
      "packages/reconciler/src",
      "packages/testkit/src",
      "packages/aws-particles/test",
      "test/cli",
      "bench",
      "examples",
    ]) {
      expect(
        sources.some((s) => s.file.startsWith(`${folder}/`)),
        folder,
      ).toBe(true);
    }
    expect(violations(sources)).toEqual([]);
  });

  test("no package exports a _ module", () => {
    const exported = [...packageNames.keys()].flatMap((pkg) => {
      type Target = string | Record<string, string>;
      const manifest = JSON.parse(readFileSync(join(ROOT, pkg, "package.json"), "utf8")) as { exports?: Record<string, Target> };
      // A target is a path, or a path per condition ("jiti-source", "types", "import").
      const paths = Object.values(manifest.exports ?? {}).flatMap((target) =>
        typeof target === "string" ? [target] : Object.values(target),
      );
      return paths.map((path) => `${pkg}/${path.replace(/^\.\//, "")}`);
    });
    expect(exported.length).toBeGreaterThan(0);
    expect(exported.filter((target) => posix.basename(target).startsWith("_"))).toEqual([]);
  });

  test.each([
    ["a _ module of another folder", "packages/cli/src/commands/plan.ts", 'import { x } from "../load/_modules.js";', 1],
    ["a _ module of a folder below", "packages/cli/src/main.ts", 'export { x } from "./load/_modules.js";', 1],
    ["a dynamic import of one", "packages/cli/src/main.ts", 'const { x } = await import("./load/_modules.js");', 1],
    ["another package's sources by path", "test/cli/errors.test.ts", 'import type { Colors } from "../../packages/cli/src/ui.js";', 1],
    [
      "another package's sources from a package's tests",
      "packages/aws-particles/test/a.test.ts",
      'import { y } from "../../reconciler/src/render.js";',
      1,
    ],
    ["another package's _ module by path", "packages/aws-particles/test/a.test.ts", 'import { iamName } from "../../cli/src/_x.js";', 2],
    [
      "the root test helpers, from a package's tests",
      "packages/aws-particles/test/Ec2.test.ts",
      'import { useMoto } from "../../../test/moto.js";',
      1,
    ],
    ["the root test helpers, from a benchmark", "bench/cli.ts", 'import { ensureBuilt } from "../test/cli/build.js";', 1],
    ["an example's stack, from a package", "packages/cli/src/main.ts", 'import WebApp from "../../../examples/web-app/stack.js";', 1],
    ["a _ module of its own folder", "packages/cli/src/load/from-flags.ts", 'import { x } from "./_load-stack.js";', 0],
    ["a _ module re-exported by its folder's index", "packages/cli/src/load/index.ts", 'export { x } from "./_modules.js";', 1],
    ["its own package's sources, from its tests", "packages/aws-particles/test/a.test.ts", 'import { Vpc } from "../src/ec2/Vpc.js";', 0],
    ["another package by its name", "test/a.test.ts", 'import { useMoto } from "@jiti/testkit";', 0],
    ["an example's stack, from a root test", "test/web-app.test.tsx", 'import WebApp from "../examples/web-app/stack.js";', 0],
    ["the example's own app, from its stack", "examples/web-app/stack.tsx", 'import "./server.js";', 0],
    [
      "an import written in a string or a comment",
      "test/a.test.ts",
      'const s = \'import { x } from "./_y.js"\';\n// import { z } from "../packages/cli/src/z.js";',
      0,
    ],
  ])("the check sees %s", (_, file, text, count) => {
    expect(violations([{ file, text }])).toHaveLength(count);
  });
});
