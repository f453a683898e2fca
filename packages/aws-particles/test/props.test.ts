import { particles } from "@jiti/aws-particles";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * No prop is ever silently ignored: every prop of every particle is either
 * updated in place or forces a replace, and its JSDoc (what users read in
 * their editor) says which. Each particle's source is found by its
 * definition, so a new particle is covered without editing this test.
 */
const SRC = join(import.meta.dirname, "../src");
const sources = readdirSync(SRC, { recursive: true, encoding: "utf8" })
  .filter((file) => /\.tsx?$/.test(file))
  .map((file) => ({ file, text: readFileSync(join(SRC, file), "utf8") }));

/** The files under src/ that define the particle: `export const <name> = defineParticle<`. */
function definedIn(name: string): string[] {
  return sources.filter(({ text }) => text.includes(`export const ${name} = defineParticle<`)).map(({ file }) => file);
}

/** Each prop of `export interface <Name>Props { … }` with the JSDoc just above it. */
function documentedProps(source: string, name: string): Map<string, string> {
  const start = source.indexOf(`export interface ${name}Props {`);
  expect(start, `${name}Props in its file`).toBeGreaterThanOrEqual(0);
  const body = source.slice(start, source.indexOf("\n}\n", start));
  const props = new Map<string, string>();
  const pattern = /\/\*\*([\s\S]*?)\*\/\s*\n\s*(\w+)\??:/g;
  for (const match of body.matchAll(pattern)) props.set(match[2]!, match[1]!.replace(/\s*\*\s?/g, " "));
  return props;
}

describe("every prop updates in place or replaces, and says so", () => {
  it("finds every particle of the catalogue defined in one file, and no particle outside it", () => {
    for (const particle of particles) expect(definedIn(particle.name), `the file defining ${particle.name}`).toHaveLength(1);
    const defined = sources.flatMap(({ text }) => [...text.matchAll(/export const (\w+) = defineParticle</g)].map((m) => m[1]));
    expect(defined.sort()).toEqual(particles.map((p) => p.name).sort());
  });

  it.each(particles.map((p) => [p.type, p] as const))("%s", (type, particle) => {
    const [file] = definedIn(particle.name);
    expect(file, `the file defining ${particle.name}`).toBeDefined();
    const documented = documentedProps(readFileSync(join(SRC, file!), "utf8"), particle.name);
    expect([...documented.keys()].sort()).toEqual(Object.keys(particle.props).sort());
    for (const [prop, how] of Object.entries(particle.props)) {
      expect(["update", "replace"], `${type}.${prop}`).toContain(how);
      const doc = documented.get(prop)!;
      if (how === "replace") expect(doc, `${type}.${prop} JSDoc`).toMatch(/\breplaces?\b/i);
      else expect(doc, `${type}.${prop} JSDoc`).toMatch(/updated in place|update(s|d)? in place/i);
    }
  });
});
