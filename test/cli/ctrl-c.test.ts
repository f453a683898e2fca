/**
 * Ctrl-C while `jiti render` applies, through the bin's own SIGINT handling
 * against moto: no new step starts, the one in flight finishes, and the run
 * says what to do next. A proxy holds the first step's CreateVpc in flight
 * until the signal has been seen, so exactly one step has started when it
 * arrives, whatever the machine's speed.
 */
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { join } from "node:path";
import { expect, test } from "vitest";
import { holdCall, jsonLines, mutations, startJiti, useJiti, useMoto } from "@jiti/testkit";

const { fixture } = useJiti({ fixtures: join(import.meta.dirname, "fixtures") });
const moto = useMoto();

/** `jiti render --yes …flags` on the network fixture (a VPC, then its two subnets), Ctrl-C while the VPC is being created. */
async function interruptedRender(flags: string[] = [], signal: NodeJS.Signals = "SIGINT") {
  const stack = await fixture("network");
  const held = await holdCall(moto.endpoint, "CreateVpc");
  try {
    const run = startJiti(stack, ["render", "--yes", ...flags], { env: { AWS_ENDPOINT_URL: held.endpoint } });
    await held.arrived;
    run.kill(signal);
    await run.output("stderr", /Stopping: no new steps will start/);
    held.release();
    return await run.done;
  } finally {
    await held.close();
  }
}

test("an interruption is not a failure: no cause to fix, no list of skipped steps; what was done is kept", async () => {
  const run = await interruptedRender();
  expect(run.code, run.stderr).toBe(130);
  expect(run.stderr.slice(run.stderr.indexOf("interrupted:")).trimEnd()).toMatchInlineSnapshot(`
    "interrupted: interrupted by Ctrl-C; 2 steps did not start. The steps in flight finished.

    What was done is kept. Run \`jiti render\` again to finish: it continues from where this run stopped."
  `);
  // The VPC in flight was finished; its subnets were never started.
  const changed = mutations(await moto.calls());
  expect(changed).toContain("CreateVpc");
  expect(changed).not.toContain("CreateSubnet");
});

test("--json reports it as an interrupted error, with the steps that did not start", async () => {
  const run = await interruptedRender(["--json"]);
  expect(run.code, run.stderr).toBe(130);
  expect(jsonLines(run.stdout).find((line) => line.kind === "error")).toMatchObject({
    error: "interrupted",
    interrupted: { notStarted: 2 },
  });
});

test("SIGTERM, what a cancelled CI job gets, stops the apply the same way and lets go of the stack's lock", async () => {
  const run = await interruptedRender([], "SIGTERM");
  expect(run.code, run.stderr).toBe(143);
  expect(run.stderr).toContain("interrupted: interrupted by SIGTERM; 2 steps did not start.");
  const lock = await new SSMClient({}).send(new GetParameterCommand({ Name: "/jiti/lock/cli-dev" })).then(
    () => "still held",
    (error: { name?: string }) => error.name,
  );
  expect(lock).toBe("ParameterNotFound");
});
