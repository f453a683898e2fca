/**
 * `jiti local`: a moto_server of its own on a loopback port, until Ctrl-C.
 * No harness server here: the command starts and stops its own.
 */
import { tmpdir } from "node:os";
import { expect, test } from "vitest";
import { jiti, jsonLines, startJiti, useJiti } from "@jiti/testkit";

useJiti();

test("starts an emulator, prints how to use it, and stops it (by its pid) on Ctrl-C", async () => {
  const local = startJiti(tmpdir(), ["local"], { timeoutMs: 60_000 });
  const stdout = await local.output("stdout", /export AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+[\s\S]*Ctrl-C/);
  const endpoint = /export AWS_ENDPOINT_URL=(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
  expect(stdout).toContain("nothing persists after it stops");
  for (const line of ["export AWS_ACCESS_KEY_ID=testing", "export AWS_SECRET_ACCESS_KEY=testing", "export AWS_REGION=us-east-1"])
    expect(stdout).toContain(line);
  const pid = Number(/pid (\d+)/.exec(stdout)![1]);
  expect((await fetch(`${endpoint}/moto-api/`)).ok).toBe(true);
  // Handed over warm: the services a run calls are loaded already (EC2's first call costs moto about 2 s), though nobody called them yet.
  const loaded = Object.keys((await (await fetch(`${endpoint}/moto-api/data.json`)).json()) as object);
  expect(loaded).toEqual(expect.arrayContaining(["ec2", "iam", "sts", "ssm"]));

  local.kill("SIGINT");
  const run = await local.done;
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("Stopped the emulator.");
  expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
}, 60_000);

test("--json prints the endpoint and the environment as a JSON line", async () => {
  const local = startJiti(tmpdir(), ["local", "--json"], { timeoutMs: 60_000 });
  const out = await local.output("stdout", /\n/);
  const line = out.slice(0, out.indexOf("\n"));
  local.kill("SIGINT");
  expect((await local.done).code).toBe(0);
  const [started] = jsonLines(line);
  expect(started).toMatchObject({
    kind: "local",
    env: { AWS_ENDPOINT_URL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), AWS_REGION: "us-east-1" },
  });
}, 60_000);

test("says how to install moto_server when it is missing", async () => {
  const run = await jiti(tmpdir(), ["local"], { env: { JITI_MOTO_SERVER: "/nonexistent/moto_server" } });
  expect(run.code).toBe(1);
  expect(run.stderr).toContain("error: the local AWS emulator `/nonexistent/moto_server` is not installed");
  expect(run.stderr).toContain("pip install 'moto[server]'");
});
