/**
 * Conventions of the workspace that a test keeps (see "Rooms" in STYLE.md):
 *
 * - A leading `_` in a file name means "imported only by files in its own
 *   folder"; the folder's index.ts re-exports what others may use. No
 *   package's `exports` map points at such a file.
 * - A file reaches another workspace package through its name
 *   (`@jiti/reconciler`), never by a relative path into its folder
 *   (`../../reconciler/src/…`). A package's own tests may import its
 *   sources by path; the examples are stacks that tests run, not packages
 *   with an API, and may be imported by path.
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

/** The workspace package folder a path is in (`packages/cli`), if any. */
function packageOf(path: string): string | undefined {
  return /^packages\/[^/]+/.exec(path)?.[0];
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
      const pkg = packageOf(target);
      if (pkg && pkg !== packageOf(file)) {
        found.push(`${file} imports "${specifier}" by path, inside ${pkg}/: import "${packageNames.get(pkg) ?? pkg}" instead`);
      }
    }
  }
  return found;
}

describe("workspace conventions", () => {
  test("no file imports a _ module of another folder, nor another package's files by path", () => {
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
      const manifest = JSON.parse(readFileSync(join(ROOT, pkg, "package.json"), "utf8")) as { exports?: Record<string, string> };
      return Object.values(manifest.exports ?? {}).map((target) => `${pkg}/${target.replace(/^\.\//, "")}`);
    });
    expect(exported.length).toBeGreaterThan(0);
    expect(exported.filter((target) => posix.basename(target).startsWith("_"))).toEqual([]);
  });

  test.each([
    ["a _ module of another folder", "packages/cli/src/commands/plan.ts", 'import { x } from "../load/_modules.js";', 1],
    ["a _ module of a folder below", "packages/cli/src/main.ts", 'export { x } from "./load/_modules.js";', 1],
    ["a dynamic import of one", "bench/cli.ts", 'const { x } = await import("../test/_server.js");', 1],
    ["another package's sources by path", "test/cli/errors.test.ts", 'import type { Colors } from "../../packages/cli/src/ui.js";', 1],
    [
      "another package's sources from a package's tests",
      "packages/aws-particles/test/a.test.ts",
      'import { y } from "../../reconciler/src/render.js";',
      1,
    ],
    ["another package's _ module by path", "packages/aws-particles/test/a.test.ts", 'import { iamName } from "../../cli/src/_x.js";', 2],
    ["a _ module of its own folder", "packages/cli/src/load/index.ts", 'export { x } from "./_modules.js";', 0],
    ["its own package's sources, from its tests", "packages/aws-particles/test/a.test.ts", 'import { Vpc } from "../src/ec2/Vpc.js";', 0],
    ["another package by its name", "test/a.test.ts", 'import { useMoto } from "@jiti/testkit";', 0],
    ["an example's stack", "test/web-app.test.tsx", 'import WebApp from "../examples/web-app/stack.js";', 0],
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
