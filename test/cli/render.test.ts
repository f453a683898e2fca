/**
 * `jiti render`, `ls` and `destroy` against moto: applying, the refusal to
 * change AWS unasked, progress and --json events, a failure half way and the
 * run after it, and tearing down by file or by name.
 */
import { CreateRoleCommand, DeleteRoleCommand, GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { beforeEach, describe, expect, test } from "vitest";
import { BIN, jiti, jsonLines, mutations, normalise, startAwsProxy, useJiti, useMoto, type Fixture } from "@jiti/testkit";

const { fixture } = useJiti({ fixtures: join(import.meta.dirname, "fixtures") });
const moto = useMoto();

let stack: Fixture;
beforeEach(async () => {
  stack = await fixture("network");
});

describe("jiti render", () => {
  test("--journal into a folder that does not exist fails before anything changes", async () => {
    const run = await jiti(stack, ["render", "--yes", "--journal", `${stack.dir}/no/such/dir/journal.jsonl`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("cannot write the journal to");
    expect(mutations(await moto.calls())).toEqual([]);
  });

  test("--journal writes every applied change as JSON patches, one line each", async () => {
    const journal = `${stack.dir}/journal.jsonl`;
    const run = await jiti(stack, ["render", "--yes", "--journal", journal]);
    expect(run.code, run.stderr).toBe(0);
    const entries = readFileSync(journal, "utf8")
      .trim()
      .split("\n")
      .map(
        (line) => JSON.parse(line) as { key: string; step: string; patches: Array<{ op: string; path: string[]; value?: { id: string } }> },
      );
    expect(entries.map((e) => `${e.step} ${e.key}`).sort()).toEqual([
      "configure Vpc:main",
      "create Vpc:main",
      "create Vpc:main/Subnet:a",
      "create Vpc:main/Subnet:b",
    ]);
    const vpc = entries.find((e) => e.key === "Vpc:main" && e.step === "create")!;
    expect(vpc.patches).toEqual([
      { op: "add", path: ["Vpc:main"], value: expect.objectContaining({ id: expect.stringMatching(/^vpc-/), type: "aws.ec2.Vpc" }) },
    ]);
  });

  test("without --yes and without a terminal, refuses before any AWS call", async () => {
    const run = await jiti(stack, ["render"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatchInlineSnapshot(`
      "error: jiti render changes AWS and asks first, but stdin is not a terminal, so nobody can answer
        Review the changes with \`jiti plan\`, then run \`jiti render --yes\`.
      "
    `);
    expect(await moto.calls()).toEqual([]);
  });

  test("--yes applies the plan, showing one line per event, then the outputs; the next plan has no changes", async () => {
    const run = await jiti(stack, ["render", "--yes"]);
    expect(run.code, run.stderr).toBe(0);
    const progress = normalise(run.stdout.slice(run.stdout.indexOf("Plan:")));
    // Subnets start in either order once the VPC is done: compare them sorted.
    const lines = progress.split("\n");
    expect(lines.slice(0, 4)).toEqual([
      "Plan: 3 to create, 0 to update, 0 to replace, 0 to delete.",
      "",
      "[<time>] Vpc:main  create  start",
      "[<time>] Vpc:main  create  done  vpc-<id> (<time>)",
    ]);
    // The VPC's DNS settings are configured while its subnets are made.
    expect(lines.slice(4, 9).sort()).toEqual([
      "[<time>] Vpc:main  configure  done  vpc-<id> (<time>)",
      "[<time>] Vpc:main/Subnet:a  create  done  subnet-<id> (<time>)",
      "[<time>] Vpc:main/Subnet:a  create  start",
      "[<time>] Vpc:main/Subnet:b  create  done  subnet-<id> (<time>)",
      "[<time>] Vpc:main/Subnet:b  create  start",
    ]);
    expect(lines.slice(9).join("\n")).toMatchInlineSnapshot(`
      "
      Apply complete: 3 created, 0 updated, 0 replaced, 0 deleted (<time>).

      Outputs:
        Vpc:main           id = "vpc-<id>"  cidr = "10.0.0.0/16"
        Vpc:main/Subnet:a  id = "subnet-<id>"  cidr = "10.0.1.0/24"  zone = "us-east-1a"  vpc = "vpc-<id>"
        Vpc:main/Subnet:b  id = "subnet-<id>"  cidr = "10.0.2.0/24"  zone = "us-east-1b"  vpc = "vpc-<id>"
      "
    `);

    const again = await jiti(stack, ["plan", "--detailed-exitcode"]);
    expect(again).toMatchObject({ code: 0, stdout: "No changes. Live AWS matches stack.tsx.\n" });
  });

  test("--json writes the plan, every event and the result as JSON lines, and nothing else", async () => {
    const run = await jiti(stack, ["render", "--yes", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    const lines = jsonLines(run.stdout);
    expect(lines[0]!.kind).toBe("plan");
    expect(lines.at(-1)).toMatchObject({ kind: "result", ok: true, summary: { create: 3 } });
    const events = lines.slice(1, -1) as Array<{ kind: string; event: string; path: string; step: string; id?: string; atMs: number }>;
    expect(new Set(events.map((e) => e.kind))).toEqual(new Set(["event"]));
    expect(
      events
        .filter((e) => e.event === "done")
        .map((e) => `${e.step} ${e.path}`)
        .sort(),
    ).toEqual(["configure Vpc:main", "create Vpc:main", "create Vpc:main/Subnet:a", "create Vpc:main/Subnet:b"]);
    expect(events.every((e) => typeof e.atMs === "number")).toBe(true);
    const outputs = lines.at(-1)!.outputs as Record<string, { id: string }>;
    expect(outputs["Vpc:main"]!.id).toMatch(/^vpc-/);
    expect(events.find((e) => e.event === "done" && e.step === "create" && e.path === "Vpc:main")!.id).toBe(outputs["Vpc:main"]!.id);
  });

  test("a failure half way: independent work is done, the error names the failed element, a re-run converges", async () => {
    // A role of the same name made by hand: jiti refuses to take over what it did not create.
    const iam = new IAMClient({});
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "ec2.amazonaws.com" } }],
    });
    await iam.send(new CreateRoleCommand({ RoleName: "cli-dev.app", Path: "/jiti/cli-dev/", AssumeRolePolicyDocument: trust }));
    await stack.edit((s) =>
      s
        .replace(
          'import { Stack, Subnet, Vpc } from "@jiti/aws-particles";',
          'import { Role, Stack, Subnet, Vpc } from "@jiti/aws-particles";',
        )
        .replace('      <Vpc name="main"', '      <Role name="app" assumedBy="ec2.amazonaws.com" />\n      <Vpc name="main"'),
    );
    const failed = await jiti(stack, ["render", "--yes"]);
    expect(failed.code).toBe(1);
    expect(normalise(failed.stdout)).toContain("[<time>] Vpc:main/Subnet:a  create  done  subnet-<id>");
    expect(normalise(failed.stdout)).toMatch(/Role:app {2}create {2}failed/);
    const error = failed.stderr.replace(/(request id:) \S+/, "$1 <request>");
    expect(error).toMatchInlineSnapshot(`
      "error: 1 step failed:

        ✗ stack.tsx:7: Role:app (aws.iam.Role): create failed
            Role:app (aws.iam.Role): an IAM role named "cli-dev.app" already exists and jiti did not create it for this element (found: path /jiti/cli-dev/, jiti:stack none, jiti:path none). Rename the element or the stack, or delete that role.

      What succeeded is kept, and re-running is safe: nothing is made twice. Fix the cause and run \`jiti render\` again: it continues from where this run stopped.
      "
    `);

    // What succeeded is live and owned by the stack; the hand-made role is untouched.
    const ls = await jiti(stack, ["ls", "--json"]);
    const [listed] = jsonLines(ls.stdout);
    expect((listed!.resources as Array<{ path: string }>).map((r) => r.path)).toEqual([
      "Vpc:main",
      "Vpc:main/Subnet:a",
      "Vpc:main/Subnet:b",
    ]);
    expect((await iam.send(new GetRoleCommand({ RoleName: "cli-dev.app" }))).Role!.Tags ?? []).toEqual([]);

    await iam.send(new DeleteRoleCommand({ RoleName: "cli-dev.app" }));
    const fixed = await jiti(stack, ["render", "--yes"]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toContain("Plan: 1 to create, 0 to update, 0 to replace, 0 to delete.");
    expect((await jiti(stack, ["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  test("an AWS error names the element, the stack.tsx line, AWS's code and request id", async () => {
    await stack.edit((s) =>
      s
        .replace(
          'import { Stack, Subnet, Vpc } from "@jiti/aws-particles";',
          'import { Role, Stack, Subnet, Vpc } from "@jiti/aws-particles";',
        )
        .replace(
          '      <Vpc name="main"',
          '      <Role name="app" assumedBy="ec2.amazonaws.com" managedPolicies={["arn:aws:iam::123456789012:policy/missing"]} />\n      <Vpc name="main"',
        ),
    );
    const failed = await jiti(stack, ["render", "--yes"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /✗ stack\.tsx:7: Role:app \(aws\.iam\.Role\): configure failed\n\s+NoSuchEntity: .*policy\/missing.*\n\s+AWS request id: \S+/,
    );
    // The network does not depend on the role: it was created all the same.
    expect(normalise(failed.stdout)).toContain("[<time>] Vpc:main/Subnet:b  create  done  subnet-<id>");

    await stack.edit((s) => s.replace('managedPolicies={["arn:aws:iam::123456789012:policy/missing"]} ', ""));
    const fixed = await jiti(stack, ["render", "--yes"]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect((await jiti(stack, ["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  test(
    "AWS failing past the retries names the element, code and request id, says there is nothing to fix, and a re-run converges",
    { timeout: 90_000 },
    async () => {
      const proxy = await startAwsProxy(moto.endpoint);
      try {
        // Every attempt at the second subnet answered with EC2's server error, the SDK's and createOnce's retries included.
        proxy.inject({ operation: "CreateSubnet", after: 1, times: 100, fault: { kind: "internal", status: 503 } });
        // Every retry window runs out first: about 20 s on an idle machine.
        const failed = await jiti(stack, ["render", "--yes"], { env: { AWS_ENDPOINT_URL: proxy.endpoint }, timeoutMs: 75_000 });
        expect(failed.code).toBe(1);
        expect(failed.stderr.replace(/(request id:) \S+/, "$1 <request>")).toMatch(
          /✗ stack\.tsx:\d+: Vpc:main\/Subnet:[ab] \(aws\.ec2\.Subnet\): create failed\n\s+Unavailable: .*\n\s+AWS request id: <request>\n\s+AWS or the network failed for a moment, after jiti's retries: nothing in stack\.tsx to fix\.\n\nWhat succeeded is kept, and re-running is safe: nothing is made twice\. Run `jiti render` again/,
        );
      } finally {
        await proxy.close();
      }
      const again = await jiti(stack, ["render", "--yes"]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain("Apply complete: 1 created");
      expect((await jiti(stack, ["plan", "--detailed-exitcode"])).code).toBe(0);
    },
  );

  test("--local runs against a temporary emulator and says that nothing persists", async () => {
    const run = await jiti(stack, ["render", "--local", "--yes"], { env: { AWS_ENDPOINT_URL: undefined }, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Using a temporary local AWS emulator at http:\/\/127\.0\.0\.1:\d+: nothing will persist after this run\./);
    expect(run.stdout).toContain("Apply complete: 3 created");
    expect(run.stdout.trimEnd()).toMatch(/The local emulator has stopped; everything it held is gone\.$/);
    // The harness's server saw none of it.
    expect(mutations(await moto.calls())).toEqual([]);
  }, 60_000);
});

describe("jiti render on a terminal", () => {
  /** Runs jiti in a pseudo-terminal (util-linux `script`), typing `answer` at the prompt. */
  const inTerminal = (answer: string) =>
    jiti(stack, ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} render`, "/dev/null"], {
      input: answer,
      command: "script",
      env: { COLUMNS: "100" },
    });

  test("asks before applying; anything but yes changes nothing", async () => {
    const run = await inTerminal("no\n");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Apply these changes to stack");
    expect(run.stdout).toContain("Cancelled: nothing was changed.");
    expect(mutations(await moto.calls())).toEqual([]);
  });

  test("after yes, shows live progress: steps in flight redrawn in place, finished ones kept", async () => {
    const run = await inTerminal("yes\n");
    expect(run.code, run.stdout).toBe(0);
    // Colour on a terminal; the live lines are erased (cursor up, clear) as steps end.
    expect(run.stdout).toContain("\x1b[32m  +\x1b[39m");
    expect(run.stdout).toMatch(/\x1b\[\d+F\x1b\[0J/);
    const text = normalise(run.stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ""));
    expect(text).toMatch(/✓ \[<time>\] Vpc:main {2}create {2}done {2}vpc-<id>/);
    expect(text).toContain("Apply complete: 3 created");
  });
});

describe("jiti ls", () => {
  test("lists what the stack owns: type, path, id, state", async () => {
    expect((await jiti(stack, ["ls"])).stdout).toBe("Stack cli-dev owns no resources.\n");
    await jiti(stack, ["render", "--yes"]);
    const run = await jiti(stack, ["ls"]);
    expect(run.code).toBe(0);
    expect(normalise(run.stdout)).toMatchInlineSnapshot(`
      "TYPE            PATH               ID                        STATE
      aws.ec2.Vpc     Vpc:main           vpc-<id>     available
      aws.ec2.Subnet  Vpc:main/Subnet:a  subnet-<id>  available
      aws.ec2.Subnet  Vpc:main/Subnet:b  subnet-<id>  available

      3 resources in stack cli-dev.
      "
    `);
  });

  test("--stack lists a stack by name, without its stack file", async () => {
    await jiti(stack, ["render", "--yes", "--stack", "other-name"]);
    const run = await jiti(tmpdir(), ["ls", "--stack", "other-name", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const [line] = jsonLines(run.stdout);
    expect(line).toMatchObject({ kind: "resources", stack: "other-name" });
    expect(line!.resources).toHaveLength(3);
  });
});

describe("jiti destroy", () => {
  test("without --yes and without a terminal, refuses before any AWS call", async () => {
    const run = await jiti(stack, ["destroy"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("stdin is not a terminal");
    expect(await moto.calls()).toEqual([]);
  });

  test("--yes deletes everything the stack owns, children first", async () => {
    await jiti(stack, ["render", "--yes"]);
    const run = await jiti(stack, ["destroy", "--yes"]);
    expect(run.code, run.stderr).toBe(0);
    const text = normalise(run.stdout);
    expect(text.slice(0, text.indexOf("\n\n[<time>]"))).toMatchInlineSnapshot(`
      "jiti will delete everything stack cli-dev owns:

        - Vpc:main/Subnet:b aws.ec2.Subnet subnet-<id>
        - Vpc:main/Subnet:a aws.ec2.Subnet subnet-<id>
        - Vpc:main aws.ec2.Vpc vpc-<id>

      Plan: 0 to create, 0 to update, 0 to replace, 3 to delete."
    `);
    expect(text).toContain("Destroy complete: 3 deleted");
    const order = text.split("\n").filter((l) => l.includes("  delete  done"));
    expect(order.at(-1)).toContain("Vpc:main  delete  done");
    expect((await jiti(stack, ["ls"])).stdout).toBe("Stack cli-dev owns no resources.\n");
  });

  test("--stack NAME works from the name alone, and leaves other stacks alone", async () => {
    await jiti(stack, ["render", "--yes"]);
    await jiti(stack, ["render", "--yes", "--env", "prod"]);
    const run = await jiti(tmpdir(), ["destroy", "--stack", "cli-prod", "--yes"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Destroy complete: 3 deleted");
    expect((await jiti(stack, ["ls", "--env", "prod"])).stdout).toBe("Stack cli-prod owns no resources.\n");
    expect(jsonLines((await jiti(stack, ["ls", "--json"])).stdout)[0]!.resources).toHaveLength(3);
  });

  test("with nothing to delete, says so and succeeds", async () => {
    const run = await jiti(stack, ["destroy", "--yes"]);
    expect(run).toMatchObject({ code: 0, stdout: "Nothing to destroy: stack cli-dev owns no resources.\n" });
  });
});
