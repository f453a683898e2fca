/**
 * `jiti init` in temporary app folders: the starter stack.tsx and
 * stack.test.tsx, tsconfig.json and package.json edited in place, the
 * refusal to overwrite, the package manager, the install; and a plan of the
 * stack it writes against moto (its `@jiti/*` imports are the CLI's own, so
 * the plan needs nothing installed). Nothing here runs tsc or vitest in the
 * app: that needs the packages packed and installed.
 */
import { chmod } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CLI_VERSION, jiti, jsonLines, useJiti, useMoto, type Fixture } from "@jiti/testkit";

const { folder } = useJiti();
useMoto();

const SERVER = `import { createServer } from "node:http";

createServer((req, res) => res.end("hello")).listen(Number(process.env.PORT ?? 8080));
`;

/** A tsconfig with comments and settings of the app's own, all of which init keeps. */
const TSCONFIG = `{
  // The app's own settings.
  "compilerOptions": {
    "target": "ES2022", // Node 20
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    /* checked, not built */
    "strict": true,
    "noEmit": true
  },
  "include": ["server.ts"]
}
`;

/** A package.json indented by 4, as init must keep it. */
function manifest(fields: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ name: "@acme/Web_Shop", version: "1.0.0", type: "module", ...fields }, null, 4)}\n`;
}

/** The packages the stack and its test import, at the CLI's version. */
const JITI = ["@jiti/aws-particles", "@jiti/cli", "@jiti/jsx-runtime", "@jiti/reconciler"];

/** `jiti init --no-install --json …args` in `app`; its result line. */
async function init(app: Fixture, args: readonly string[] = []): Promise<Record<string, unknown>> {
  const run = await jiti(app, ["init", "--no-install", "--json", ...args]);
  expect(run.code, run.stderr).toBe(0);
  return jsonLines(run.stdout).find((line) => line.kind === "result")!;
}

/** Every file of `app` init may write, as text (undefined when absent). */
async function files(app: Fixture): Promise<Record<string, string | undefined>> {
  const names = ["stack.tsx", "stack.test.tsx", "tsconfig.json", "package.json"];
  const texts = await Promise.all(names.map((name) => (existsSync(join(app.dir, name)) ? app.read(name) : undefined)));
  return Object.fromEntries(names.map((name, i) => [name, texts[i]]));
}

describe("jiti init", () => {
  test("writes the stack and its test, adds JSX to tsconfig.json and the dev dependencies, keeping the rest; the stack plans", async () => {
    const app = await folder({
      "package.json": manifest({ devDependencies: { "@jiti/cli": "file:../jiti-cli-0.1.0.tgz", typescript: "^5.9.0" } }),
      "tsconfig.json": TSCONFIG,
      "server.ts": SERVER,
    });
    const result = await init(app);
    expect(result).toMatchObject({
      ok: true,
      name: "web-shop",
      entry: "server.ts",
      packageManager: "npm",
      installed: false,
      jsx: "tsconfig",
      files: [
        { file: "stack.tsx", action: "created" },
        { file: "stack.test.tsx", action: "created" },
        { file: "tsconfig.json", action: "changed" },
        { file: "package.json", action: "changed" },
      ],
      next: ["npx jiti local", "npx jiti plan", "npx vitest run stack.test.tsx"],
    });

    expect(await app.read("tsconfig.json")).toBe(`{
  // The app's own settings.
  "compilerOptions": {
    "jsx": "react-jsx",
    "jsxImportSource": "@jiti/jsx-runtime",
    "target": "ES2022", // Node 20
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    /* checked, not built */
    "strict": true,
    "noEmit": true
  },
  "include": ["server.ts", "stack.tsx", "stack.test.tsx"]
}
`);

    // The tarball path the app chose stays; the rest come in at the CLI's version, in order, indented as before.
    const pkg = await app.read("package.json");
    expect(result.devDependencies).toEqual({
      "@jiti/aws-particles": `^${CLI_VERSION}`,
      "@jiti/jsx-runtime": `^${CLI_VERSION}`,
      "@jiti/reconciler": `^${CLI_VERSION}`,
      vitest: expect.stringMatching(/^\^4\./),
    });
    expect((JSON.parse(pkg) as { devDependencies: Record<string, string> }).devDependencies).toEqual({
      ...(result.devDependencies as object),
      "@jiti/cli": "file:../jiti-cli-0.1.0.tgz",
      typescript: "^5.9.0",
    });
    expect(pkg).toContain(`\n    "devDependencies": {\n        "@jiti/aws-particles": "^${CLI_VERSION}",\n        "@jiti/cli": "file:`);

    const stack = await app.read();
    expect(stack).toContain('<NodeApp name="web-shop" entry="./server.ts" port={PORT} />');
    expect(stack).toContain("<Stack name={`web-shop-${env}`}");
    expect(stack).not.toContain("@jsxImportSource");
    const testFile = await app.read("stack.test.tsx");
    expect(testFile).toContain('import { renderTree, walk } from "@jiti/reconciler";');
    expect(testFile).toContain('import WebShop from "./stack.js";');
    expect(testFile).toContain("toMatchSnapshot()");

    const plan = await jiti(app, ["plan"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toBe("");
    expect(plan.stdout).toContain("jiti will make these changes to stack web-shop-dev:");
    expect(plan.stdout).toMatch(/\+ Vpc:main\/Subnet:public-a\/Ec2:app aws\.ec2\.Instance \(stack\.tsx:\d+\)/);
    expect(plan.stdout).toContain("Plan: 6 to create, 0 to update, 0 to replace, 0 to delete.");
  });

  test("does not overwrite stack.tsx or stack.test.tsx, nor write anything else, without --force", async () => {
    const app = await folder({ "package.json": manifest(), "server.ts": SERVER, "stack.tsx": "// the user's own\n" });
    const before = await files(app);
    const refused = await jiti(app, ["init", "--no-install"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("error: stack.tsx already exists: jiti init does not overwrite it");
    expect(refused.stderr).toContain("jiti init --force");
    expect(await files(app)).toEqual(before);

    expect((await init(app, ["--force"])).files).toEqual([
      { file: "stack.tsx", action: "replaced" },
      { file: "stack.test.tsx", action: "created" },
      { file: "tsconfig.json", action: "created" },
      { file: "package.json", action: "changed" },
    ]);
    const written = await files(app);
    const again = await jiti(app, ["init", "--no-install"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("stack.tsx and stack.test.tsx already exist");
    expect(await files(app)).toEqual(written);

    // Once more with --force: only the two files, the rest is already done, so nothing to install.
    expect(await init(app, ["--force"])).toMatchObject({
      files: [
        { file: "stack.tsx", action: "replaced" },
        { file: "stack.test.tsx", action: "replaced" },
      ],
      devDependencies: {},
    });
    expect(await files(app)).toEqual(written);
  });

  test("leaves a React tsconfig's JSX as it is and puts a pragma in the files, also when a base it extends sets it", async () => {
    const react = await folder({
      "package.json": manifest(),
      "tsconfig.json":
        '{\n  "compilerOptions": {\n    "jsx": "react-jsx",\n    "jsxImportSource": "react", // Preact\'s would do too\n    "strict": true\n  }\n}\n',
    });
    const before = await react.read("tsconfig.json");
    const run = await jiti(react, ["init", "--no-install"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      'tsconfig.json keeps its own JSX settings (jsx "react-jsx", jsxImportSource "react"): stack.tsx and stack.test.tsx start with /** @jsxImportSource @jiti/jsx-runtime */ instead.',
    );
    expect(await react.read("tsconfig.json")).toBe(before);
    for (const file of ["stack.tsx", "stack.test.tsx"])
      expect(await react.read(file)).toMatch(/^\/\*\* @jsxImportSource @jiti\/jsx-runtime \*\/\n/);
    // No entry file: the instance runs nothing yet, and the stack says where the app goes.
    expect(await react.read()).not.toContain("import { CloudInit, NodeApp }");
    expect(await react.read()).toContain("No entry file was found");
    const check = await jiti(react, ["check"]);
    expect(check.code, check.stdout + check.stderr).toBe(0);

    // jsx "react-jsx" from the base is React's runtime (it is the default source); the base's include is kept.
    const extending = await folder({
      "package.json": manifest(),
      "config/base.json": '{ "compilerOptions": { "jsx": "react-jsx" }, "include": ["../src"] }\n',
      "tsconfig.json": '{ "extends": "./config/base.json" }\n',
    });
    expect(await init(extending)).toMatchObject({ jsx: "pragma" });
    expect(await extending.read("tsconfig.json")).toBe(`{
  "extends": "./config/base.json",
  "include": [
    "src",
    "stack.tsx",
    "stack.test.tsx"
  ]
}
`);
  });

  test("writes a small tsconfig.json where there is none, with Node's types when the app has them", async () => {
    const plain = await folder({ "package.json": '{ "version": "1.0.0" }\n' });
    const typed = await folder({ "package.json": manifest({ devDependencies: { "@types/node": "^20.0.0" } }) });
    const [plainResult] = await Promise.all([init(plain), init(typed)]);
    // No name in package.json: the folder's, made a stack name.
    expect(plainResult!.name).toMatch(/^jiti-cli-folder-[a-z0-9-]+$/);
    const settings = (text: string) => JSON.parse(text.replace(/\/\/.*$/gm, "")) as { compilerOptions: Record<string, unknown> };
    const written = await plain.read("tsconfig.json");
    expect(written).toMatch(/^\{\n {2}\/\/ Written by `jiti init`/);
    expect(settings(written).compilerOptions).toEqual({
      target: "ES2022",
      module: "ESNext",
      moduleResolution: "bundler",
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      jsx: "react-jsx",
      jsxImportSource: "@jiti/jsx-runtime",
    });
    expect(settings(await typed.read("tsconfig.json")).compilerOptions).toMatchObject({ types: ["node"] });
  });

  test("without a package.json, says to run npm init first and writes nothing", async () => {
    const empty = await folder({ "server.ts": SERVER });
    const run = await jiti(empty, ["init"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: . has no package.json: jiti init adds the stack to an existing Node app");
    expect(run.stderr).toContain("Run `npm init -y` in . first");
    expect(await files(empty)).toEqual({
      "stack.tsx": undefined,
      "stack.test.tsx": undefined,
      "tsconfig.json": undefined,
      "package.json": undefined,
    });
  });

  test("finds the entry in main, then the start script, then the usual file names", async () => {
    const cases: Array<[Record<string, string>, string | null]> = [
      [{ "package.json": manifest({ main: "dist/main.js" }), "dist/main.js": "", "server.ts": SERVER }, "dist/main.js"],
      [
        { "package.json": manifest({ main: "index.js", scripts: { start: "node --env-file .env src/app.mjs" } }), "src/app.mjs": "" },
        "src/app.mjs",
      ],
      [{ "package.json": manifest({ scripts: { start: "tsx watch src/main.ts" } }), "src/main.ts": "", "app.js": "" }, "src/main.ts"],
      [{ "package.json": manifest(), "src/index.ts": "", "app.js": "" }, "src/index.ts"],
      [{ "package.json": manifest({ main: "index.js" }), "README.md": "" }, null],
    ];
    const found = await Promise.all(cases.map(async ([files]) => (await init(await folder(files))).entry));
    expect(found).toEqual(cases.map(([, entry]) => entry));
  });

  test("takes the package manager from the lockfile, else from packageManager, else npm, and says how to run jiti with it", async () => {
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ "package-lock.json": "{}" }, "npm", "npx jiti plan"],
      [{ "pnpm-lock.yaml": "" }, "pnpm", "pnpm exec jiti plan"],
      [{ "yarn.lock": "" }, "yarn", "yarn jiti plan"],
      [{ "bun.lock": "" }, "bun", "bunx jiti plan"],
      [{ "bun.lockb": "" }, "bun", "bunx jiti plan"],
      [{ "package.json": manifest({ packageManager: "yarn@4.5.0" }) }, "yarn", "yarn jiti plan"],
    ];
    const results = await Promise.all(cases.map(async ([files]) => init(await folder({ "package.json": manifest(), ...files }))));
    expect(results.map((r) => [r.packageManager, (r.next as string[])[1]])).toEqual(cases.map(([, manager, plan]) => [manager, plan]));
  });

  test.skipIf(process.platform === "win32")(
    "installs what it added with that package manager, its output on stderr with --json; nothing when it added nothing",
    async () => {
      // Stand-ins for pnpm and yarn on PATH: they note where they ran, and yarn fails.
      const bin = await folder({
        pnpm: '#!/bin/sh\necho "pnpm $*" > installed.txt\necho "pnpm output"\n',
        yarn: "#!/bin/sh\nexit 3\n",
      });
      await Promise.all(["pnpm", "yarn"].map((name) => chmod(join(bin.dir, name), 0o755)));
      const env = { PATH: `${bin.dir}:${process.env.PATH ?? ""}` };

      const adds = await folder({ "package.json": manifest(), "pnpm-lock.yaml": "" });
      const run = await jiti(adds, ["init", "--json"], { env });
      expect(run.code, run.stderr).toBe(0);
      expect(await adds.read("installed.txt")).toBe("pnpm install\n");
      expect(run.stderr).toContain("pnpm output");
      expect(jsonLines(run.stdout).find((line) => line.kind === "result")).toMatchObject({ installed: true, packageManager: "pnpm" });

      const complete = Object.fromEntries([...JITI, "vitest"].map((name) => [name, "*"]));
      const has = await folder({ "package.json": manifest({ devDependencies: complete }), "pnpm-lock.yaml": "" });
      const none = await jiti(has, ["init", "--json"], { env });
      expect(none.code, none.stderr).toBe(0);
      expect(existsSync(join(has.dir, "installed.txt"))).toBe(false);
      expect(jsonLines(none.stdout).find((line) => line.kind === "result")).toMatchObject({ installed: false, devDependencies: {} });

      const failing = await folder({ "package.json": manifest(), "yarn.lock": "" });
      const failed = await jiti(failing, ["init"], { env });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain("`yarn install` failed (exit code 3): the files jiti init wrote stay");
      expect(await failing.read()).toContain("<Stack name=");
    },
  );
});
