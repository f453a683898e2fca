import { particles } from "@jiti/aws-particles";
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * DESIGN.md: "aws-particles must not know about the tree or other
 * particles". A particle checks its own props (`validate(props)`); what
 * needs other elements is a rule in `src/rules/`, which gets the tree with
 * parents as nodes. Element paths are opaque outside the reconciler's
 * path module. These checks keep it so.
 */
const src = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith(".ts") ? [path] : [];
  });
}

const files = sourceFiles(src).map((path) => ({ path, name: relative(src, path), text: readFileSync(path, "utf8") }));
// userData steps deal in file paths, not element paths.
const outsideRules = files.filter((f) => !f.name.startsWith("rules/") && !f.name.startsWith("userdata/"));
const particleFiles = files.filter((f) => /\bdefineParticle</.test(f.text));

/** Text operations on an element path or a reference's target path: `path.split("/")`, `$ref.startsWith(…)`, a regex `.test(…$ref)`. */
const PATH_TEXT =
  /(\b(path|paths)|\$ref)\)?\s*(\?\.|\.)\s*(split|slice|substring|lastIndexOf|indexOf|startsWith|endsWith|match|replace|includes)\(|\.test\([^)]*(\$ref|\bpath\b)/;

describe("particles know only themselves", () => {
  it("finds a file for every particle", () => {
    expect(particleFiles.map((f) => basename(f.name, ".ts")).sort()).toEqual(particles.map((p) => p.name).sort());
  });

  it("validates its own props only: validate takes the props and nothing else", () => {
    for (const particle of particles) expect(particle.validate?.length ?? 1, particle.type).toBeLessThanOrEqual(1);
  });

  it.each(particleFiles.map((f) => [f.name, f] as const))("%s imports no other particle", (_, file) => {
    const others = particleFiles.filter((f) => f !== file).map((f) => basename(f.name, ".ts"));
    const imported = [...file.text.matchAll(/from "(\.[^"]+)\.js"/g)].map((m) => basename(m[1]!));
    expect(imported.filter((name) => others.includes(name))).toEqual([]);
  });

  it.each(outsideRules.map((f) => [f.name, f] as const))("%s takes no element path apart", (_, file) => {
    const lines = file.text.split("\n").filter((line) => PATH_TEXT.test(line));
    expect(lines).toEqual([]);
  });

  it.each(particles.map((p) => [p.type, p] as const))("%s never restates a default: render applies them", (_, particle) => {
    const own = files.filter((f) =>
      f.name.startsWith(`${dirname(particleFiles.find((pf) => basename(pf.name, ".ts") === particle.name)!.name)}/`),
    );
    for (const prop of Object.keys(particle.defaults ?? {})) {
      const restated = new RegExp(`\\bprops\\??\\.${prop}\\s*\\?\\?|\\bp\\.${prop}\\s*\\?\\?`);
      expect(
        own.flatMap((f) =>
          f.text
            .split("\n")
            .filter((line) => restated.test(line))
            .map((line) => `${f.name}: ${line.trim()}`),
        ),
      ).toEqual([]);
    }
  });

  it("catches the path handling it forbids", () => {
    for (const line of [
      'const parent = ctx.path.slice(0, ctx.path.lastIndexOf("/"));',
      "if (!group.$ref.startsWith(`${vpc}/`)) {",
      "const names = path.split('/');",
      "if (!/SecurityGroup/.test(rule.group.$ref)) {",
    ]) {
      expect(PATH_TEXT.test(line), line).toBe(true);
    }
  });
});
