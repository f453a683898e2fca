/**
 * `jiti local`: a moto_server of its own on a loopback port, until Ctrl-C.
 * No harness server here: the command starts and stops its own.
 */
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { expect, test } from "vitest";
import { BIN, jiti, jsonLines, useJiti } from "./_jiti.js";

useJiti();

test("starts an emulator, prints how to use it, and stops it (by its pid) on Ctrl-C", async () => {
  const child = spawn(process.execPath, [BIN, "local"], { cwd: tmpdir(), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout.setEncoding("utf8");
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d: string) => {
      stdout += d;
      const match = /export AWS_ENDPOINT_URL=(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match && stdout.includes("Ctrl-C")) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`jiti local exited early (${code}): ${stdout}`)));
  });
  expect(stdout).toContain("nothing persists after it stops");
  for (const line of ["export AWS_ACCESS_KEY_ID=testing", "export AWS_SECRET_ACCESS_KEY=testing", "export AWS_REGION=us-east-1"])
    expect(stdout).toContain(line);
  const pid = Number(/pid (\d+)/.exec(stdout)![1]);
  expect((await fetch(`${endpoint}/moto-api/`)).ok).toBe(true);

  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.kill("SIGINT");
  expect(await exited).toBe(0);
  expect(stdout).toContain("Stopped the emulator.");
  expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
}, 60_000);

test("--json prints the endpoint and the environment as a JSON line", async () => {
  const child = spawn(process.execPath, [BIN, "local", "--json"], { cwd: tmpdir(), stdio: ["ignore", "pipe", "pipe"] });
  const line = await new Promise<string>((resolve) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.kill("SIGINT");
  expect(await exited).toBe(0);
  const [local] = jsonLines(line);
  expect(local).toMatchObject({
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
