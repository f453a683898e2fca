/**
 * `jiti watch` against moto: a plan on start and on every save of
 * stack.tsx or of a file it imports; an invalid tree shows its problems and
 * waits, touching nothing; `--apply` applies each plan, allowed without
 * --yes only against an emulator on this machine.
 */
import { rename } from "node:fs/promises";
import { join } from "node:path";
import { expect, test } from "vitest";
import { jiti, mutations, startJiti, useJiti, useMoto, type RunningJiti } from "@jiti/testkit";

const { folder } = useJiti({ fixtures: join(import.meta.dirname, "fixtures") });
const moto = useMoto();

const STACK = `import { Stack, Subnet, Vpc } from "@jiti/aws-particles";
import { subnets } from "./subnets";

export default function Watched({ env }: { env: string }) {
  return (
    <Stack name={\`watched-\${env}\`}>
      <Vpc name="main" cidr="10.0.0.0/16">
        {subnets.map((cidr) => <Subnet key={cidr} name={\`s\${cidr.split(".")[2]}\`} cidr={cidr} zone={0} />)}
      </Vpc>
    </Stack>
  );
}
`;
const subnets = (...cidrs: string[]) => `export const subnets = ${JSON.stringify(cidrs)};\n`;

/** The `n`th cycle's output (from its `[hh:mm:ss]` heading), once it matches `pattern`. */
async function cycle(run: RunningJiti, n: number, pattern: RegExp): Promise<string> {
  const nth = (stdout: string) => stdout.split(/^(?=\[\d\d:\d\d:\d\d\] )/m).filter((part) => part.startsWith("["))[n - 1] ?? "";
  return nth(await run.output("stdout", (stdout) => pattern.test(nth(stdout))));
}

test("plans on start and on each save of the stack or a file it imports; an invalid tree waits for the next save", async () => {
  const app = await folder({ "stack.tsx": STACK, "subnets.ts": subnets("10.0.1.0/24") });
  const run = startJiti(app, ["watch"], { timeoutMs: 60_000 });
  try {
    expect(await cycle(run, 1, /Plan: 2 to create[\s\S]*Waiting for a change/)).toContain("watching");

    await app.write("subnets.ts", subnets("10.0.1.0/24", "10.0.2.0/24"));
    expect(await cycle(run, 2, /Plan: 3 to create[\s\S]*Waiting for a change/)).toContain("changed: subnets.ts");

    await app.edit((text) => text.replace('cidr="10.0.0.0/16"', 'cidr="10.0.0.0/33"'));
    const invalid = await cycle(run, 3, /Waiting for a change/);
    expect(invalid).toContain("changed: stack.tsx");
    expect(invalid).toMatch(/Vpc:main.*cidr/);

    await app.edit((text) => text.replace('cidr="10.0.0.0/33"', 'cidr="10.0.0.0/16"'));
    await cycle(run, 4, /Plan: 3 to create[\s\S]*Waiting for a change/);

    // Saved as many editors (and sed -i) save: a new file renamed over the old. That save, and every later one, is seen.
    await app.write("subnets.ts.new", subnets("10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"));
    await rename(join(app.dir, "subnets.ts.new"), join(app.dir, "subnets.ts"));
    await cycle(run, 5, /Plan: 4 to create[\s\S]*Waiting for a change/);
    await app.write("subnets.ts", subnets("10.0.1.0/24"));
    await cycle(run, 6, /Plan: 2 to create[\s\S]*Waiting for a change/);
  } finally {
    run.kill("SIGINT");
  }
  const done = await run.done;
  expect(done.code, done.stderr).toBe(0);
  expect(done.stdout).toContain("Stopped watching.");
  // A plan changes nothing.
  expect(mutations(await moto.calls())).toEqual([]);
}, 60_000);

test("--apply applies each plan as it comes; without an emulator it needs --yes", async () => {
  const app = await folder({ "stack.tsx": STACK, "subnets.ts": subnets("10.0.1.0/24") });
  const refused = await jiti(app, ["watch", "--apply", "--region", "us-east-1"], { env: { AWS_ENDPOINT_URL: undefined } });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("jiti watch --apply changes AWS on every save without asking: it runs so against a local emulator only");

  const run = startJiti(app, ["watch", "--apply"], { timeoutMs: 60_000 });
  try {
    await cycle(run, 1, /Apply complete: 2 created[\s\S]*Waiting for a change/);
    await app.write("subnets.ts", subnets("10.0.1.0/24", "10.0.2.0/24"));
    await cycle(run, 2, /Apply complete: 1 created, 0 updated, 0 replaced, 0 deleted[\s\S]*Waiting for a change/);
    await app.write("subnets.ts", subnets("10.0.2.0/24"));
    await cycle(run, 3, /Apply complete: 0 created, 0 updated, 0 replaced, 1 deleted[\s\S]*Waiting for a change/);
  } finally {
    run.kill("SIGINT");
  }
  expect((await run.done).code).toBe(0);
  const plan = await jiti(app, ["plan", "--detailed-exitcode"]);
  expect(plan.code, plan.stdout).toBe(0);
}, 60_000);
