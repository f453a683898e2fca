import { particles, rules } from "@jiti/aws-particles";
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
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
const outsideUserData = files.filter((f) => !f.name.startsWith("userdata/"));
const particleFiles = files.filter((f) => /\bdefineParticle</.test(f.text));
/** The folders particles live in: their files and their `_` helpers must not reach other particles. */
const particleFolders = new Set(particleFiles.map((f) => dirname(f.name)));
const particleSide = files.filter((f) => particleFolders.has(dirname(f.name)));

/** What the reconciler's path module exports: none of it may be used here. */
const PATH_FUNCTIONS = [...readFileSync(resolve(src, "../../reconciler/src/path.ts"), "utf8").matchAll(/export function (\w+)/g)].map(
  (m) => m[1]!,
);

/** The names a file imports from `module`, as the TypeScript scanner and the import clause give them. */
function namesImported(text: string, module: string): string[] {
  const imported = ts.preProcessFile(text, true, true).importedFiles.some((f) => f.fileName === module);
  if (!imported) return [];
  const clauses = [...text.matchAll(new RegExp(`import\\s*(type\\s*)?\\{([^}]*)\\}\\s*from\\s*"${module.replace("/", "\\/")}"`, "g"))];
  return clauses
    .flatMap((c) =>
      c[2]!.split(",").map(
        (n) =>
          n
            .trim()
            .replace(/^type\s+/, "")
            .split(/\s+as\s+/)[0]!,
      ),
    )
    .filter(Boolean);
}

/** The relative modules a file imports, resolved to paths under src/ without their extension. */
function relativeImports(file: { name: string; text: string }): string[] {
  return ts
    .preProcessFile(file.text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((m) => m.startsWith("."))
    .map((m) => join(dirname(file.name), m).replace(/\.js$/, ""));
}

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

  it.each(particleSide.map((f) => [f.name, f] as const))("%s imports no other particle, nor the list of them", (_, file) => {
    // A particle's helpers are named after it (`_ec2.ts`, `_security-group-rules.ts`): they may reach their own particle.
    const plain = (name: string) => basename(name, ".ts").replace(/[_-]/g, "").toLowerCase();
    const others = particleFiles.filter((f) => !plain(file.name).startsWith(plain(f.name))).map((f) => f.name.replace(/\.ts$/, ""));
    const reached = relativeImports(file).filter((m) => others.includes(m) || m === "kinds" || m === "index");
    expect(reached).toEqual([]);
  });

  it.each(files.map((f) => [f.name, f] as const))("%s uses none of the reconciler's path functions", (_, file) => {
    expect(namesImported(file.text, "@jiti/reconciler").filter((n) => PATH_FUNCTIONS.includes(n))).toEqual([]);
  });

  it.each(outsideUserData.map((f) => [f.name, f] as const))("%s takes no element path apart", (_, file) => {
    const lines = file.text.split("\n").filter((line) => PATH_TEXT.test(line));
    expect(lines).toEqual([]);
  });

  it.each(particles.map((p) => [p.type, p] as const))("%s never restates a default: render applies them", (_, particle) => {
    const own = files.filter((f) =>
      f.name.startsWith(`${dirname(particleFiles.find((pf) => basename(pf.name, ".ts") === particle.name)!.name)}/`),
    );
    for (const prop of Object.keys(particle.defaults ?? {})) {
      // `props.type ?? "t3.micro"`, `p.type || …`, or a default in a destructuring: `{ type = "t3.micro" } = p`.
      const restated = new RegExp(
        `\\b(props|p|desired\\.props)\\??\\.${prop}\\s*(\\?\\?|\\|\\|)|[{,]\\s*${prop}\\s*(:\\s*\\w+\\s*)?=(?![=>])`,
      );
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

  it("lists every rule the particles run, and attaches every rule it lists to a particle", () => {
    const attached = new Set(particles.flatMap((p) => p.rules ?? []).map((r) => r.id));
    expect([...attached].sort()).toEqual(rules.map((r) => r.id).sort());
  });
});
