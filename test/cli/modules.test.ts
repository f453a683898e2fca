/**
 * A stack may import any module the jiti packages export; the CLI serves
 * each from its own bundled copy (packages/cli/src/load/_modules.ts), so the two
 * lists must agree.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { MODULE_NAMES } from "../../packages/cli/src/load/_modules.js";

const PACKAGES = ["jsx-runtime", "reconciler", "aws-particles"];

test("the CLI provides every module the jiti packages export", () => {
  const exported = PACKAGES.flatMap((dir) => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "../../packages", dir, "package.json"), "utf8")) as {
      name: string;
      exports: Record<string, string>;
    };
    return Object.keys(pkg.exports).map((subpath) => (subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`));
  });
  expect([...MODULE_NAMES].sort()).toEqual(exported.sort());
});
