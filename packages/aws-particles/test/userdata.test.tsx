import { createContext, jsx, useContext, type JitiElement, type JitiNode } from "@jiti/jsx-runtime";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { afterAll, describe, expect, test } from "vitest";
import { Vpc } from "../src/ec2/Vpc.js";
import { CloudInit, File, NodeApp, Package, renderUserData, Run, Service, USER_DATA_LIMIT, UserDataError } from "../src/userdata/index.js";

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Renders with the package as source root, and checks that bash can parse every script rendered. */
function render(element: JitiElement): string {
  const script = renderUserData(element, { sourceRoot: packageRoot });
  expectValidBash(script);
  return script;
}
const temp = mkdtempSync(join(tmpdir(), "jiti-userdata-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** `test/userdata.test.tsx:12`: where an element was written, as errors show it. */
const at = (element: JitiElement) => `test/userdata.test.tsx:${element.source!.lineNumber}`;

/** The message of the UserDataError that rendering throws. */
function errorOf(element: JitiElement): string {
  try {
    render(element);
  } catch (error) {
    expect(error).toBeInstanceOf(UserDataError);
    return (error as Error).message;
  }
  throw new Error("expected renderUserData to throw");
}

/** `bash -n`: the script parses. */
function expectValidBash(script: string) {
  const check = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
  expect(check.stderr).toBe("");
  expect(check.status).toBe(0);
}

/** Runs a script with bash, with only `bin` (fake commands) before the usual PATH unless `onlyBin`. */
function runScript(script: string, opts: { bin?: string; onlyBin?: boolean } = {}) {
  const file = join(mkdtempSync(join(temp, "run-")), "user-data.sh");
  writeFileSync(file, script);
  const path = opts.onlyBin ? opts.bin! : [opts.bin, process.env.PATH].filter(Boolean).join(":");
  return spawnSync("/bin/bash", [file], { encoding: "utf8", env: { PATH: path, HOME: temp } });
}

/** A folder of fake commands that log their arguments to `log`. */
function fakeCommands(...names: string[]) {
  const bin = mkdtempSync(join(temp, "bin-"));
  const log = join(bin, "calls.log");
  for (const name of names) {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> '${log}'\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return { bin, calls: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []) };
}

/** The `# <Step> …` comment lines: which steps the script holds, in order. */
const stepLabels = (script: string) => script.split("\n").filter((l) => l.startsWith("# <"));

describe("<CloudInit>", () => {
  test("renders a bash script that stops at the first failing command", () => {
    const script = render(<CloudInit />);
    expect(script).toMatchInlineSnapshot(`
      "#!/bin/bash
      # Boot script rendered by jiti from userData JSX: change the JSX, not this script.
      set -euo pipefail
      "
    `);
  });

  test("trace echoes every command (set -x)", () => {
    const script = render(
      <CloudInit trace>
        <Run>echo traced</Run>
      </CloudInit>,
    );
    expect(script.split("\n")[2]).toBe("set -euxo pipefail");
    expect(runScript(script).stderr).toBe("+ echo traced\n");
  });

  test("expands components, fragments, arrays, conditionals and context as React does", () => {
    const Greeting = createContext("hello");
    const Files = ({ names, extra }: { names: string[]; extra?: boolean }) => (
      <>
        {names.map((n) => (
          <File key={n} path={`/etc/${n}`} content={`${useContext(Greeting)} ${n}\n`} />
        ))}
        {extra && <Run>echo extra</Run>}
        {null}
        {false}
        {[[<Run command="echo nested" />]]}
      </>
    );
    const script = render(
      <CloudInit>
        <Greeting.Provider value="hi">
          <Files names={["a", "b"]} />
        </Greeting.Provider>
        <Files names={["c"]} extra />
      </CloudInit>,
    );
    expect(stepLabels(script)).toEqual(["# <File> /etc/a", "# <File> /etc/b", "# <Run>", "# <File> /etc/c", "# <Run>", "# <Run>"]);
    expect(script).toContain("hi a\n");
    expect(script).toContain("hello c\n");
  });

  test("a component may return the <CloudInit> itself", () => {
    const Boot = () => (
      <CloudInit>
        <Run>echo booted</Run>
      </CloudInit>
    );
    expect(render(<Boot />)).toBe(
      render(
        <CloudInit>
          <Run>echo booted</Run>
        </CloudInit>,
      ),
    );
  });
});

describe("<File>", () => {
  test("writes the file with a quoted heredoc, its mode first and its owner after", () => {
    const script = render(
      <CloudInit>
        <File path="/etc/app/config.env" content={"PORT=80\n"} mode="0600" owner="app:app" />
      </CloudInit>,
    );
    expect(script).toMatchInlineSnapshot(`
      "#!/bin/bash
      # Boot script rendered by jiti from userData JSX: change the JSX, not this script.
      set -euo pipefail

      # <File> /etc/app/config.env
      install -D -m 0600 /dev/null /etc/app/config.env
      cat > /etc/app/config.env <<'JITI_EOF'
      PORT=80
      JITI_EOF
      chown app:app /etc/app/config.env
      "
    `);
  });

  // Each content is something that would break a naive heredoc or echo.
  const contents: Record<string, string> = {
    "shell syntax": "A='single' \"double\" $HOME ${PATH} `date` $(id) \\ \\n\n",
    "the heredoc delimiter itself": "before\nJITI_EOF\nJITI_EOF_1\n'JITI_EOF'\nafter\n",
    "no final newline": "no newline at the end",
    "several final newlines": "three\n\n\n",
    nothing: "",
    "only a newline": "\n",
    "unicode and carriage returns": "héllo wörld ✓\r\nline two\r\n",
  };
  test.each(Object.entries(contents))("writes exactly its content when it holds %s", (_, content) => {
    const dir = mkdtempSync(join(temp, "files-"));
    const path = join(dir, "deep/dir with 'quotes'/file.txt");
    const script = render(
      <CloudInit>
        <File path={path} content={content} mode="0640" owner={userInfo().username} />
      </CloudInit>,
    );

    const run = runScript(script);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(readFileSync(path, "utf8")).toBe(content);
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });

  test("picks a heredoc delimiter that the content does not contain", () => {
    const script = render(
      <CloudInit>
        <File path="/etc/x" content={"JITI_EOF\nJITI_EOF_1\n"} />
      </CloudInit>,
    );
    expect(script).toContain("<<'JITI_EOF_2'\nJITI_EOF\nJITI_EOF_1\nJITI_EOF_2\n");
  });

  test("mode defaults to 0644 and 3-digit modes are padded", () => {
    expect(
      render(
        <CloudInit>
          <File path="/etc/x" content="x" />
        </CloudInit>,
      ),
    ).toContain("install -D -m 0644 /dev/null /etc/x");
    expect(
      render(
        <CloudInit>
          <File path="/etc/x" content="x" mode="600" />
        </CloudInit>,
      ),
    ).toContain("install -D -m 0600 /dev/null /etc/x");
  });
});

describe("<Run>", () => {
  test("runs its command, from children or the command prop, in order with the other steps", () => {
    const dir = mkdtempSync(join(temp, "run-steps-"));
    const name = "world";
    const script = render(
      <CloudInit>
        <File path={`${dir}/in.txt`} content={"one\n"} />
        <Run>echo two &gt;&gt; {dir}/in.txt</Run>
        <Run command={`echo "hello ${name}" >> ${dir}/in.txt\ncp ${dir}/in.txt ${dir}/out.txt`} />
      </CloudInit>,
    );
    expect(runScript(script).status).toBe(0);
    expect(readFileSync(`${dir}/out.txt`, "utf8")).toBe("one\ntwo\nhello world\n");
  });

  test("a failing command stops the script (set -e) before the steps after it", () => {
    const dir = mkdtempSync(join(temp, "run-fail-"));
    const script = render(
      <CloudInit>
        <Run>false</Run>
        <File path={`${dir}/never.txt`} content="x" />
      </CloudInit>,
    );
    expect(runScript(script).status).toBe(1);
    expect(existsSync(`${dir}/never.txt`)).toBe(false);
  });
});

describe("<Package>", () => {
  const script = render(
    <CloudInit>
      <Package names={["git", "nginx"]} />
      <Package names={["git"]} />
      <Package names={["jq", "git"]} />
    </CloudInit>,
  );

  test("installs through one function that finds dnf or apt-get at boot, each package once", () => {
    expect(script).toMatchInlineSnapshot(`
      "#!/bin/bash
      # Boot script rendered by jiti from userData JSX: change the JSX, not this script.
      set -euo pipefail

      jiti_install() {
        if command -v dnf >/dev/null 2>&1; then
          dnf install -y "$@"
        elif command -v apt-get >/dev/null 2>&1; then
          if [ -z "\${JITI_APT_UPDATED:-}" ]; then
            apt-get update -y
            JITI_APT_UPDATED=1
          fi
          DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
        else
          echo "jiti: found neither dnf nor apt-get, so cannot install: $*" >&2
          return 1
        fi
      }

      # <Package> git nginx
      jiti_install git nginx

      # <Package> git

      # <Package> jq git
      jiti_install jq
      "
    `);
  });

  test("uses dnf where there is dnf (Amazon Linux 2023)", () => {
    const fake = fakeCommands("dnf", "apt-get");
    expect(runScript(script, { bin: fake.bin, onlyBin: true }).status).toBe(0);
    expect(fake.calls()).toEqual(["dnf install -y git nginx", "dnf install -y jq"]);
  });

  test("uses apt-get where there is no dnf (Ubuntu), updating its lists once", () => {
    const fake = fakeCommands("apt-get");
    expect(runScript(script, { bin: fake.bin, onlyBin: true }).status).toBe(0);
    expect(fake.calls()).toEqual(["apt-get update -y", "apt-get install -y git nginx", "apt-get install -y jq"]);
  });

  test("fails the boot, naming the packages, where there is neither", () => {
    const fake = fakeCommands();
    const run = runScript(script, { bin: fake.bin, onlyBin: true });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe("jiti: found neither dnf nor apt-get, so cannot install: git nginx\n");
  });
});

describe("<Service>", () => {
  const script = render(
    <CloudInit>
      <Service
        name="web"
        exec="/usr/bin/python3 -m http.server 80"
        env={{ ZONE: "a", GREETING: 'say "hi" at 100% \\o/' }}
        user="web"
        workingDirectory="/srv/web"
        restart="on-failure"
      />
    </CloudInit>,
  );

  test("writes a systemd unit, creates its user and folder, and starts it", () => {
    expect(script).toMatchInlineSnapshot(`
      "#!/bin/bash
      # Boot script rendered by jiti from userData JSX: change the JSX, not this script.
      set -euo pipefail

      # <Service> web
      id -u web >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin web
      mkdir -p /srv/web
      install -D -m 0644 /dev/null /etc/systemd/system/web.service
      cat > /etc/systemd/system/web.service <<'JITI_EOF'
      [Unit]
      Description=web (rendered by jiti)
      Wants=network-online.target
      After=network-online.target

      [Service]
      ExecStart=/usr/bin/python3 -m http.server 80
      User=web
      WorkingDirectory=/srv/web
      Environment="GREETING=say \\"hi\\" at 100%% \\\\o/"
      Environment="ZONE=a"
      Restart=on-failure
      RestartSec=2

      [Install]
      WantedBy=multi-user.target
      JITI_EOF
      systemctl daemon-reload
      systemctl enable web.service
      systemctl restart web.service
      "
    `);
  });

  const analyze = spawnSync("systemd-analyze", ["--version"]).status === 0;
  test.skipIf(!analyze)("the unit file passes systemd-analyze verify", () => {
    const unit = heredocBody(script, "/etc/systemd/system/web.service");
    const dir = mkdtempSync(join(temp, "unit-"));
    writeFileSync(join(dir, "web.service"), unit);
    const verify = spawnSync("systemd-analyze", ["verify", "--man=no", join(dir, "web.service")], { encoding: "utf8" });
    expect(verify.stderr).toBe("");
    expect(verify.status).toBe(0);
  });

  test("defaults: root, no working directory, Restart=always", () => {
    const plain = render(
      <CloudInit>
        <Service name="tick" exec="/bin/sleep infinity" />
      </CloudInit>,
    );
    expect(plain).not.toContain("useradd");
    expect(plain).not.toContain("User=");
    expect(plain).not.toContain("WorkingDirectory=");
    expect(plain).toContain("Restart=always\n");
  });
});

describe("<NodeApp>", () => {
  const app = <NodeApp entry="./fixtures/userdata-app/server.ts" port={80} env={{ LOG_LEVEL: "debug" }} />;
  const script = render(<CloudInit>{app}</CloudInit>);

  test("installs Node.js, writes the bundled app and runs it as a service with PORT set", () => {
    const shown = script.replace(/^H4sI[A-Za-z0-9+/=]+$/m, "<gzip+base64 of the bundle>");
    expect(shown).toMatchInlineSnapshot(`
      "#!/bin/bash
      # Boot script rendered by jiti from userData JSX: change the JSX, not this script.
      set -euo pipefail

      jiti_install() {
        if command -v dnf >/dev/null 2>&1; then
          dnf install -y "$@"
        elif command -v apt-get >/dev/null 2>&1; then
          if [ -z "\${JITI_APT_UPDATED:-}" ]; then
            apt-get update -y
            JITI_APT_UPDATED=1
          fi
          DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
        else
          echo "jiti: found neither dnf nor apt-get, so cannot install: $*" >&2
          return 1
        fi
      }

      # <NodeApp> app
      jiti_install nodejs
      install -D -m 0644 /dev/null /opt/app/app.js
      base64 -d <<'JITI_EOF' | gunzip > /opt/app/app.js
      <gzip+base64 of the bundle>
      JITI_EOF
      id -u app >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin app
      mkdir -p /opt/app
      install -D -m 0644 /dev/null /etc/systemd/system/app.service
      cat > /etc/systemd/system/app.service <<'JITI_EOF'
      [Unit]
      Description=app (rendered by jiti)
      Wants=network-online.target
      After=network-online.target

      [Service]
      ExecStart=/usr/bin/env node /opt/app/app.js
      User=app
      WorkingDirectory=/opt/app
      Environment="LOG_LEVEL=debug"
      Environment="NODE_ENV=production"
      Environment="PORT=80"
      AmbientCapabilities=CAP_NET_BIND_SERVICE
      Restart=always
      RestartSec=2

      [Install]
      WantedBy=multi-user.target
      JITI_EOF
      systemctl daemon-reload
      systemctl enable app.service
      systemctl restart app.service
      "
    `);
    // The size a small app costs out of EC2's 16 KB.
    expect(Buffer.byteLength(script)).toBeLessThan(3 * 1024);
  });

  test("the bundle, unpacked by the script's own command, serves the app on PORT", async () => {
    const dir = mkdtempSync(join(temp, "opt-"));
    // Run the script's own unpacking lines, with /opt/app moved under a temp folder.
    const start = script.indexOf("install -D -m 0644 /dev/null /opt/app/app.js");
    const end = script.indexOf("JITI_EOF\n", script.indexOf("base64 -d")) + "JITI_EOF\n".length;
    const unpack = runScript(script.slice(start, end).replaceAll("/opt/app/", `${dir}/`));
    expect(unpack.stderr).toBe("");
    const bundle = readFileSync(join(dir, "app.js"), "utf8");
    expect(bundle).not.toContain("import ");
    expect(bundle).not.toContain(packageRoot);

    // The environment of the unit file, with a free port instead of 80.
    const unit = heredocBody(script, "/etc/systemd/system/app.service");
    const env = Object.fromEntries([...unit.matchAll(/^Environment="([A-Z_]+)=(.*)"$/gm)].map((m) => [m[1]!, m[2]!]));
    const port = await freePort();
    const child = spawn(process.execPath, [join(dir, "app.js")], { cwd: dir, env: { ...env, PORT: String(port) } });
    try {
      await new Promise<void>((ok, fail) => {
        child.stdout.on("data", (data: Buffer) => data.toString().includes("listening") && ok());
        child.on("exit", (code) => fail(new Error(`the app exited with ${code}`)));
      });
      const response = await fetch(`http://127.0.0.1:${port}/`);
      expect(await response.json()).toEqual({ message: "hello from jiti", env: "production", file: "app.js" });
    } finally {
      child.kill();
    }
  });

  test("changing the app changes the script", () => {
    const dir = mkdtempSync(join(temp, "app-"));
    cpSync(join(packageRoot, "test/fixtures/userdata-app"), dir, { recursive: true });
    const before = render(
      <CloudInit>
        <NodeApp entry={join(dir, "server.ts")} />
      </CloudInit>,
    );
    writeFileSync(join(dir, "greeting.ts"), "export const greeting = (name: string) => `hi ${name}`;\n");
    const after = render(
      <CloudInit>
        <NodeApp entry={join(dir, "server.ts")} />
      </CloudInit>,
    );
    expect(after).not.toBe(before);
    // Only the bundle differs, and no machine path is written into the script.
    expect(after.replace(/^H4sI.*$/m, "")).toBe(before.replace(/^H4sI.*$/m, ""));
    expect(before).not.toContain(dir);
  });

  test("name sets the folder, the service and the user; no port means no PORT and no capability", () => {
    const worker = render(
      <CloudInit>
        <NodeApp name="worker" entry="./fixtures/userdata-app/server.ts" />
      </CloudInit>,
    );
    expect(worker).toContain("gunzip > /opt/worker/app.js\n");
    expect(worker).toContain("ExecStart=/usr/bin/env node /opt/worker/app.js\nUser=worker\nWorkingDirectory=/opt/worker\n");
    expect(worker).toContain("systemctl restart worker.service");
    expect(worker).not.toContain("PORT=");
    expect(worker).not.toContain("AmbientCapabilities");
  });

  test("without a source file (JSX compiled without jsxDEV), a relative entry starts from the source root", () => {
    const element = jsx(CloudInit, { children: jsx(NodeApp, { entry: "./test/fixtures/userdata-app/server.ts" }) });
    expect(render(element)).toBe(
      render(
        <CloudInit>
          <NodeApp entry="./fixtures/userdata-app/server.ts" />
        </CloudInit>,
      ),
    );
    const missing = jsx(CloudInit, { children: jsx(NodeApp, { entry: "./server.ts" }) });
    expect(errorOf(missing)).toBe(
      'userData has 1 problem:\n  - <NodeApp>: the entry file does not exist (found: "server.ts"). Check the path: this <NodeApp> has no source file (JSX compiled without jsxDEV), so a relative entry is resolved from the source root.',
    );
  });

  test("Node.js is installed once for two apps", () => {
    const two = render(
      <CloudInit>
        <NodeApp name="api" entry="./fixtures/userdata-app/server.ts" port={8080} />
        <NodeApp name="admin" entry="./fixtures/userdata-app/server.ts" port={8081} />
      </CloudInit>,
    );
    expect(two.match(/^jiti_install nodejs$/gm)).toHaveLength(1);
  });
});

describe("determinism", () => {
  const stack = () => (
    <CloudInit>
      <Package names={["git"]} />
      <File path="/etc/app.env" content="A=1" />
      <Service name="web" exec="/bin/true" env={{ B: "2", A: "1" }} />
      <NodeApp entry="./fixtures/userdata-app/server.ts" port={80} />
    </CloudInit>
  );

  test("rendering twice gives the same bytes", () => {
    expect(render(stack())).toBe(render(stack()));
  });

  test("the script does not depend on the source root or on the order of env keys", () => {
    const other = renderUserData(stack(), { sourceRoot: tmpdir() });
    expect(other).toBe(render(stack()));
    const reordered = render(
      <CloudInit>
        <Service name="web" exec="/bin/true" env={{ A: "1", B: "2" }} />
      </CloudInit>,
    );
    expect(reordered).toBe(
      render(
        <CloudInit>
          <Service name="web" exec="/bin/true" env={{ B: "2", A: "1" }} />
        </CloudInit>,
      ),
    );
  });
});

describe("errors", () => {
  test("bad props of several steps are reported together, each with file:line", () => {
    // @ts-expect-error -- the editor flags these too; the renderer must not rely on it
    const file = <File path="etc/app.conf" content={42} mode={0o644} mod="0600" />;
    const pkg = <Package names={["git", "no spaces"]} />;
    const service = <Service name="web" exec={"a\nb"} restart={"sometimes" as never} />;
    const app = <NodeApp entry="./server.ts" port={80.5} env={{ PORT: "81" }} name="Web App" />;
    expect(
      errorOf(
        <CloudInit>
          {file}
          {pkg}
          {service}
          {app}
        </CloudInit>,
      ),
    ).toBe(
      [
        "userData has 10 problems:",
        `  - ${at(file)}: <File>: unknown prop "mod" (found: "0600"). Rename it to "mode".`,
        `  - ${at(file)}: <File>: path must be an absolute file path, without "..", line breaks or a trailing "/" (found: "etc/app.conf"). Use an absolute path such as "/etc/app.conf".`,
        `  - ${at(file)}: <File>: content must be a string without NUL characters (found: 42). Pass text; for binary data, write it base64-encoded and decode it with a <Run>.`,
        `  - ${at(file)}: <File>: mode must be a string (found: 420). Pass a string such as "0644" or "0600".`,
        `  - ${at(pkg)}: <Package>: names[1] must be a package name (found: "no spaces"). Use a value such as "nginx".`,
        `  - ${at(service)}: <Service>: exec must be a non-empty string on one line (found: "a\\nb"). Use a value such as "/usr/bin/python3 -m http.server 80".`,
        `  - ${at(service)}: <Service>: restart must be one of "always", "on-failure", "no" (found: "sometimes"). Use one of the values listed.`,
        `  - ${at(app)}: <NodeApp>: port must be a whole number (a TCP port) (found: 80.5). Use a whole number from 1 to 65535.`,
        `  - ${at(app)}: <NodeApp>: name must be a Linux user name (lowercase letters, digits, '_' or '-', at most 32) (found: "Web App"). Use a value such as "app".`,
        `  - ${at(app)}: <NodeApp>: PORT is set twice, by port and by env.PORT (found: {"port":80.5,"env.PORT":"81"}). Keep one of them.`,
      ].join("\n"),
    );
  });

  test("a required prop that is missing", () => {
    // @ts-expect-error -- content is missing
    const file = <File path="/etc/x" />;
    expect(errorOf(<CloudInit>{file}</CloudInit>)).toBe(
      `userData has 1 problem:\n  - ${at(file)}: <File>: content is required. Set content, e.g. content="PORT=80\\n".`,
    );
  });

  test("text where a step belongs, and children where none are taken", () => {
    // @ts-expect-error -- text is not a step
    const root = <CloudInit>echo hi</CloudInit>;
    const file = (
      // @ts-expect-error -- <File> takes no children
      <File path="/etc/x" content="x">
        inside
      </File>
    );
    expect(errorOf(root)).toBe(
      `userData has 1 problem:\n  - ${at(root)}: <CloudInit>: Text is not valid as a child (found: "echo hi"). Wrap commands in <Run>…</Run>, and file contents in <File content={…} />.`,
    );
    expect(errorOf(<CloudInit>{file}</CloudInit>)).toBe(
      `userData has 1 problem:\n  - ${at(file)}: <File>: children are not accepted (found: "inside"). Pass everything as props, e.g. <File … />.`,
    );
  });

  test("whitespace between steps is layout, not text", () => {
    // What `<Run>echo one</Run> {/* first */}` on one line compiles to: the step, then a space (built by hand, as
    // TypeScript types JSX text as a string, which step children are not).
    const spaced = jsx(CloudInit, { children: [<Run>echo one</Run>, " ", "\n  "] });
    expect(render(spaced)).toBe(render(<CloudInit>{[<Run>echo one</Run>]}</CloudInit>));
  });

  test("text returned by a component is blamed on the component", () => {
    const Steps = () => "echo hi" as unknown as JitiNode;
    const steps = <Steps />;
    expect(errorOf(<CloudInit>{steps}</CloudInit>)).toBe(
      `userData has 1 problem:\n  - ${at(steps)}: <Steps>: Text is not valid as a child (found: "echo hi"). Wrap commands in <Run>…</Run>, and file contents in <File content={…} />.`,
    );
  });

  test("a <Run> with no command, or with two", () => {
    const empty = <Run>{"  "}</Run>;
    const twice = <Run command="echo a">echo b</Run>;
    const element = <Run>{(<File path="/x" content="" />) as never}</Run>;
    expect(
      errorOf(
        <CloudInit>
          {empty}
          {twice}
          {element}
        </CloudInit>,
      ),
    ).toBe(
      [
        "userData has 3 problems:",
        `  - ${at(empty)}: <Run>: the command is empty (found: "  "). Write the command as children, <Run>echo hello</Run>, or as command="…".`,
        `  - ${at(twice)}: <Run>: the command is given twice, as the command prop and as children (found: {"command":"echo a","children":"echo b"}). Keep one of them.`,
        `  - ${at(element)}: <Run>: children must be the command as text (found: "<File>"). Write <Run>echo hello</Run>, or pass command="…".`,
      ].join("\n"),
    );
  });

  test("particles and steps outside <CloudInit> are unknown here", () => {
    const vpc = <Vpc name="main" cidr="10.0.0.0/16" />;
    const root = <CloudInit>{vpc}</CloudInit>;
    expect(errorOf(root)).toBe(
      `userData has 1 problem:\n  - ${at(vpc)}: <Vpc>: particles are infrastructure, not userData steps. Render it in the stack; userData holds <File>, <Run>, <Package>, <Service>, <NodeApp>, or components returning them.`,
    );
    const run = <Run>echo hi</Run>;
    expect(errorOf(run)).toBe(
      `userData has 1 problem:\n  - ${at(run)}: <Run>: the step is outside <CloudInit>. Put it inside the root <CloudInit>: userData={<CloudInit><Run … /></CloudInit>}.`,
    );
    const Empty = () => null;
    expect(errorOf(<Empty />)).toBe(
      'userData has 1 problem:\n  - userData: the root must be a <CloudInit> (found: "<Empty>"). Wrap the steps in <CloudInit>…</CloudInit>.',
    );
    const inner = <CloudInit />;
    expect(errorOf(<CloudInit>{inner}</CloudInit>)).toBe(
      `userData has 1 problem:\n  - ${at(inner)}: <CloudInit>: userData has more than one <CloudInit>. Keep one <CloudInit>, at the root of userData, and put every step inside it.`,
    );
  });

  test("a component that throws", () => {
    const Broken = (): JitiNode => {
      throw new Error("no config");
    };
    const broken = <Broken />;
    expect(errorOf(<CloudInit>{broken}</CloudInit>)).toBe(
      `userData has 1 problem:\n  - ${at(broken)}: <Broken>: the component threw: no config. Fix the component, or the props it was given.`,
    );
  });

  test("two steps writing the same file", () => {
    const first = <NodeApp entry="./fixtures/userdata-app/server.ts" />;
    const second = <NodeApp entry="./fixtures/userdata-app/server.ts" port={81} />;
    expect(
      errorOf(
        <CloudInit>
          {first}
          {second}
        </CloudInit>,
      ),
    ).toBe(
      [
        "userData has 2 problems:",
        `  - ${at(second)}: <NodeApp>: another step writes the same file: <NodeApp> at ${at(first)} (found: "/opt/app/app.js"). Give each <File> its own path, and each <Service> or <NodeApp> its own name.`,
        `  - ${at(second)}: <NodeApp>: another step writes the same file: <NodeApp> at ${at(first)} (found: "/etc/systemd/system/app.service"). Give each <File> its own path, and each <Service> or <NodeApp> its own name.`,
      ].join("\n"),
    );
  });

  test("a missing entry names the path tried and where relative entries start", () => {
    const app = <NodeApp entry="./fixtures/no-such-app/server.ts" />;
    expect(errorOf(<CloudInit>{app}</CloudInit>)).toBe(
      `userData has 1 problem:\n  - ${at(app)}: <NodeApp>: the entry file does not exist (found: "test/fixtures/no-such-app/server.ts"). Check the path: a relative entry is resolved from test/, the folder of the file where <NodeApp> is written.`,
    );
  });

  test("an app that does not bundle reports esbuild's error with its file:line", () => {
    const app = <NodeApp entry="./fixtures/userdata-broken/main.js" />;
    expect(errorOf(<CloudInit>{app}</CloudInit>)).toBe(
      `userData has 1 problem:\n  - ${at(app)}: <NodeApp>: esbuild could not bundle the app: test/fixtures/userdata-broken/main.js:2: Could not resolve "./not-here.js" (found: "./fixtures/userdata-broken/main.js"). Fix the app's code, or install the package it imports.`,
    );
  });

  test("a misplaced step in the infrastructure tree explains where it belongs", () => {
    expect(() => File({ path: "/x", content: "" })).toThrow(
      "<File> is a userData step: render it inside <CloudInit> in an instance's userData prop, e.g. <Ec2 userData={<CloudInit><File … /></CloudInit>} />",
    );
    expect(() => CloudInit({})).toThrow("<CloudInit> is the root of an instance's userData");
  });
});

describe("EC2's 16 KB user-data limit", () => {
  /** A script of exactly `bytes` bytes: one file whose content fills it up. */
  const sized = (bytes: number) => {
    const overhead =
      Buffer.byteLength(
        render(
          <CloudInit>
            <File path="/x" content={"\n"} />
          </CloudInit>,
        ),
      ) - 1;
    // One line: the error names the <File>'s line, which the test takes from the root's.
    // prettier-ignore
    return <CloudInit><File path="/x" content={"x".repeat(bytes - overhead - 1) + "\n"} /></CloudInit>;
  };

  test("a script of exactly 16384 bytes renders; one byte more is an error naming the largest steps", () => {
    expect(Buffer.byteLength(render(sized(USER_DATA_LIMIT)))).toBe(16384);
    const root = sized(USER_DATA_LIMIT + 1);
    expect(errorOf(root)).toBe(
      `userData has 1 problem:\n  - ${at(root)}: <CloudInit>: the boot script is over EC2's user-data limit of 16384 bytes; the largest steps are <File> /x at ${at(root)}: 16272 bytes (found: "16385 bytes"). Make the largest steps smaller: a <NodeApp> with dependencies="install" bundles only its own code and installs its npm packages at boot; or download large files at boot instead, e.g. from S3.`,
    );
  });

  test("an app too big even gzipped is an error that points at the <NodeApp>", () => {
    const dir = mkdtempSync(join(temp, "big-"));
    // Hashes do not compress: about 30 KB of them cannot fit.
    const noise = Array.from({ length: 700 }, (_, i) => createHash("sha256").update(String(i)).digest("base64")).join("");
    writeFileSync(join(dir, "main.js"), `console.log(${JSON.stringify(noise)});\n`);
    const app = <NodeApp entry={join(dir, "main.js")} />;
    const message = errorOf(
      <CloudInit>
        <File path="/etc/small" content="x" />
        {app}
      </CloudInit>,
    );
    expect(message).toMatch(
      new RegExp(
        `^userData has 1 problem:\\n  - test/userdata.test.tsx:\\d+: <CloudInit>: the boot script is over EC2's user-data limit of 16384 bytes; the largest steps are <NodeApp> app at ${at(app)}: \\d+ bytes, <File> /etc/small at test/userdata.test.tsx:\\d+: \\d+ bytes \\(found: "\\d+ bytes"\\)\\.`,
      ),
    );
  });

  /** An app whose one npm package is too big for user data: 30 KB of hashes, which do not compress. */
  function appWithBigPackage() {
    const dir = mkdtempSync(join(temp, "deps-"));
    const noise = Array.from({ length: 700 }, (_, i) => createHash("sha256").update(String(i)).digest("base64")).join("");
    const pkg = join(dir, "node_modules/@acme/noise");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "@acme/noise", version: "1.4.2", main: "index.js" }));
    writeFileSync(join(pkg, "index.js"), `exports.noise = ${JSON.stringify(noise)};\n`);
    writeFileSync(
      join(dir, "server.js"),
      [
        'const { createServer } = require("node:http");',
        'const { noise } = require("@acme/noise/index.js");',
        'createServer((_, res) => res.end(String(noise.length))).listen(Number(process.env.PORT), () => console.log("listening"));',
        "",
      ].join("\n"),
    );
    return dir;
  }

  test('dependencies="install" bundles only the app\'s own code and installs its npm packages at boot, at the versions it was built with', () => {
    const dir = appWithBigPackage();
    // Bundled, the package does not fit; the message says what does.
    expect(
      errorOf(
        <CloudInit>
          <NodeApp entry={join(dir, "server.js")} />
        </CloudInit>,
      ),
    ).toContain('a <NodeApp> with dependencies="install" bundles only its own code');

    const script = render(
      <CloudInit>
        <NodeApp entry={join(dir, "server.js")} port={8080} dependencies="install" />
      </CloudInit>,
    );
    expect(Buffer.byteLength(script)).toBeLessThan(4 * 1024);
    expect(JSON.parse(heredocBody(script, "/opt/app/package.json"))).toEqual({
      name: "app",
      private: true,
      dependencies: { "@acme/noise": "1.4.2" },
    });
    // npm with Node, the install after the files are written and before the service starts.
    expect(script).toMatch(/^jiti_install nodejs npm$/m);
    const install = script.indexOf("cd /opt/app && npm install --omit=dev --no-audit --no-fund --no-update-notifier");
    expect(install).toBeGreaterThan(script.indexOf("/opt/app/package.json"));
    expect(install).toBeLessThan(script.indexOf("systemctl restart app.service"));
  });

  test('dependencies="install": the bundle, beside the packages npm installs, serves the app', async () => {
    const dir = appWithBigPackage();
    const script = render(
      <CloudInit>
        <NodeApp entry={join(dir, "server.js")} dependencies="install" />
      </CloudInit>,
    );
    const opt = mkdtempSync(join(temp, "opt-"));
    const start = script.indexOf("install -D -m 0644 /dev/null /opt/app/app.js");
    const end = script.indexOf("JITI_EOF\n", script.indexOf("base64 -d")) + "JITI_EOF\n".length;
    expect(runScript(script.slice(start, end).replaceAll("/opt/app/", `${opt}/`)).stderr).toBe("");
    expect(readFileSync(join(opt, "app.js"), "utf8")).not.toContain(createHash("sha256").update("0").digest("base64"));
    // What `npm install` puts beside it at boot.
    cpSync(join(dir, "node_modules"), join(opt, "node_modules"), { recursive: true });
    const port = await freePort();
    const child = spawn(process.execPath, [join(opt, "app.js")], { cwd: opt, env: { PORT: String(port) } });
    try {
      await new Promise<void>((ok, fail) => {
        child.stdout.on("data", (data: Buffer) => data.toString().includes("listening") && ok());
        child.on("exit", (code) => fail(new Error(`the app exited with ${code}`)));
      });
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe(String(700 * 44));
    } finally {
      child.kill();
    }
  });

  test('dependencies="install" with a package the app imports but has not installed is an error naming it', () => {
    const dir = mkdtempSync(join(temp, "missing-"));
    writeFileSync(join(dir, "server.js"), 'require("not-installed-anywhere");\n');
    expect(
      errorOf(
        <CloudInit>
          <NodeApp entry={join(dir, "server.js")} dependencies="install" />
        </CloudInit>,
      ),
    ).toContain('the app imports "not-installed-anywhere", which is not installed in its node_modules');
  });
});

/** The body of the heredoc that writes `path` in a script. */
function heredocBody(script: string, path: string): string {
  const match = new RegExp(`cat > ${path} <<'(\\w+)'\\n([\\s\\S]*?)\\n\\1\\n`).exec(script);
  if (!match) throw new Error(`no heredoc writes ${path}`);
  return match[2]! + "\n";
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? ok(address.port) : fail(new Error("no port"))));
    });
  });
}
