import { particles } from "@jiti/aws-particles";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/**
 * No prop is ever silently ignored: every prop of every particle is either
 * updated in place or forces a replace, and its JSDoc (what users read in
 * their editor) says which.
 */
const files: Record<string, string> = {
  "aws.ec2.Vpc": "packages/aws-particles/src/ec2/Vpc.ts",
  "aws.ec2.Subnet": "packages/aws-particles/src/ec2/Subnet.ts",
  "aws.ec2.InternetGateway": "packages/aws-particles/src/ec2/InternetGateway.ts",
  "aws.ec2.RouteTable": "packages/aws-particles/src/ec2/RouteTable.ts",
  "aws.ec2.SecurityGroup": "packages/aws-particles/src/ec2/SecurityGroup.ts",
  "aws.ec2.Instance": "packages/aws-particles/src/ec2/Ec2.ts",
  "aws.iam.Role": "packages/aws-particles/src/iam/Role.ts",
  "aws.iam.InstanceProfile": "packages/aws-particles/src/iam/InstanceProfile.ts",
};

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
  it("covers every particle kind", () => {
    expect(particles.map((p) => p.type).sort()).toEqual(Object.keys(files).sort());
  });

  it.each(particles.map((p) => [p.type, p] as const))("%s", (type, particle) => {
    const documented = documentedProps(readFileSync(files[type]!, "utf8"), particle.name);
    expect([...documented.keys()].sort()).toEqual(Object.keys(particle.props).sort());
    for (const [prop, how] of Object.entries(particle.props)) {
      expect(["update", "replace"], `${type}.${prop}`).toContain(how);
      const doc = documented.get(prop)!;
      if (how === "replace") expect(doc, `${type}.${prop} JSDoc`).toMatch(/\breplaces?\b/i);
      else expect(doc, `${type}.${prop} JSDoc`).toMatch(/updated in place|update(s|d)? in place/i);
    }
  });
});
