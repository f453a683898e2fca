import { createHash } from "node:crypto";
/**
 * `jiti init` in temporary app folders: the starter stack.tsx and
 * stack.test.tsx, tsconfig.json and package.json edited in place, the
 * refusal to overwrite, the package manager, the install; and a plan of the
 * stack it writes against moto (its `@jiti/*` imports are the CLI's own, so
 * the plan needs nothing installed). The app's own build runs with the
 * workspace's tsc, and the stack's types are checked against the
 * workspace's sources (the `jiti-source` condition); vitest in an installed
 * app is test/installed.test.ts's.
 */
import { chmod, readdir, symlink } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CLI_VERSION, jiti, jsonLines, useJiti, useMoto, type Fixture } from "@jiti/testkit";
import { runIn } from "@jiti/testkit/install";

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
/** Node's types, at the major version of the Node running the test (and so init). */
const NODE_TYPES = `^${process.versions.node.split(".")[0]}`;
/** Everything init adds, present already: it then adds nothing, nor installs. */
const COMPLETE = Object.fromEntries([...JITI, "@types/node", "typescript", "vitest"].map((name) => [name, "*"]));
/** The workspace's tsc (5.9), run with node. */
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");

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
      next: ["npx jiti local", "npx jiti plan", "npx vitest run stack.test.tsx", "npx tsc --noEmit"],
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

    // The tarball path and the typescript the app chose stay; the rest come in at the CLI's version, in order, indented as before.
    const pkg = await app.read("package.json");
    expect(result.devDependencies).toEqual({
      "@jiti/aws-particles": `^${CLI_VERSION}`,
      "@jiti/jsx-runtime": `^${CLI_VERSION}`,
      "@jiti/reconciler": `^${CLI_VERSION}`,
      "@types/node": NODE_TYPES,
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

  test('an app with npm dependencies gets <NodeApp dependencies="install">: its packages at boot, not in EC2\'s 16 KB of user data; the stack plans', async () => {
    // A dependency that cannot fit in user data even gzipped: 30 KB of hashes.
    const noise = Array.from({ length: 700 }, (_, i) => createHash("sha256").update(String(i)).digest("base64")).join("");
    const app = await folder({
      "package.json": manifest({ main: "app.js", dependencies: { "@acme/noise": "^1.4.0" } }),
      "app.js":
        'const { createServer } = require("node:http");\nconst { noise } = require("@acme/noise");\ncreateServer((_, res) => res.end(noise)).listen(80);\n',
      "node_modules/@acme/noise/package.json": JSON.stringify({ name: "@acme/noise", version: "1.4.2", main: "index.js" }),
      "node_modules/@acme/noise/index.js": `exports.noise = ${JSON.stringify(noise)};\n`,
    });
    await init(app);
    expect(await app.read()).toContain('<NodeApp name="web-shop" entry="./app.js" port={PORT} dependencies="install" />');
    const plan = await jiti(app, ["plan"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain("Plan: 6 to create");
    // Without it, the same app is over the limit: what the prop is for.
    await app.edit((text) => text.replace(' dependencies="install"', ""));
    const bundled = await jiti(app, ["plan"]);
    expect(bundled.code).toBe(1);
    expect(bundled.stderr).toContain("over EC2's user-data limit");
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
        '{\n  "compilerOptions": {\n    "jsx": "react-jsx",\n    "jsxImportSource": "react", // Preact\'s would do too\n    "strict": true,\n    "noEmit": true\n  }\n}\n',
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

    // jsx "react-jsx" from the base is React's runtime (it is the default source); the base's include is kept, and its noEmit counts.
    const extending = await folder({
      "package.json": manifest(),
      "config/base.json": '{ "compilerOptions": { "jsx": "react-jsx", "noEmit": true }, "include": ["../src"] }\n',
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

  test("leaves a tsconfig.json that builds the app building as before: the stack is checked by tsconfig.stack.json, and kept out of the build", async () => {
    // Few types to load (not the DOM's, nor Node's), and none checked, for builds of a second or less.
    const options =
      '"target": "ES2022", "lib": ["ES2023"], "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true, "skipLibCheck": true, "types": []';
    const server = 'export function reply(path: string): string {\n  return path === "/" ? "hello" : "not found";\n}\n';
    const apps = {
      // tsc fails with TS6059 once stack.tsx is in the include.
      rootDir: {
        "tsconfig.json": `{ "compilerOptions": { ${options}, "rootDir": "./src", "outDir": "./dist" }, "include": ["src"] }\n`,
        "src/server.ts": server,
      },
      // The computed root moves up: dist/server.js becomes dist/src/server.js, beside dist/stack.js.
      include: {
        "tsconfig.json": `{ "compilerOptions": { ${options}, "outDir": "./dist" }, "include": ["src"] }\n`,
        "src/server.ts": server,
      },
      // Everything is included, stack.tsx too: it is excluded, and so must stay dist, which allowJs would compile.
      everything: {
        "tsconfig.json": `{ "compilerOptions": { ${options}, "rootDir": "src", "outDir": "dist", "allowJs": true } }\n`,
        "src/server.ts": server,
      },
    };
    const build = async (app: Fixture) => {
      const run = await runIn(app.dir, process.execPath, [TSC, "-p", "tsconfig.json"]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      return (await readdir(join(app.dir, "dist"), { recursive: true })).sort();
    };
    const checked = async ([name, files]: [string, Record<string, string>]) => {
      const app = await folder({ "package.json": manifest({ scripts: { build: "tsc" } }), ...files });
      // For the stack's types: the workspace's packages, vitest and Node's types, as an install would provide them.
      if (name === "everything") await symlink(join(import.meta.dirname, "../../node_modules"), join(app.dir, "node_modules"), "junction");
      const before = await build(app);
      expect(before, name).toEqual(["server.js"]);
      const result = await init(app);
      expect(await build(app), name).toEqual(before);
      return { name, app, result };
    };
    const [rootDir, include, everything] = await Promise.all(Object.entries(apps).map(checked));

    for (const { name, app, result } of [rootDir!, include!, everything!]) {
      expect(result, name).toMatchObject({ jsx: "pragma", next: expect.arrayContaining(["npx tsc -p tsconfig.stack.json --noEmit"]) });
      expect((result.files as Array<{ file: string }>).map((f) => f.file)).toContain("tsconfig.stack.json");
      for (const file of ["stack.tsx", "stack.test.tsx"])
        expect(await app.read(file), `${name}: ${file}`).toMatch(/^\/\*\* @jsxImportSource @jiti\/jsx-runtime \*\/\n/);
    }
    // Neither include takes stack.tsx in: both stay as they were.
    expect(await rootDir!.app.read("tsconfig.json")).toBe(apps.rootDir["tsconfig.json"]);
    expect(await include!.app.read("tsconfig.json")).toBe(apps.include["tsconfig.json"]);
    // tsc's default exclude (the package folders and the outDir) is kept in the one written.
    expect(JSON.parse(await everything!.app.read("tsconfig.json"))).toEqual({
      ...JSON.parse(apps.everything["tsconfig.json"]),
      exclude: ["node_modules", "bower_components", "jspm_packages", "dist", "stack.tsx", "stack.test.tsx"],
    });
    expect(await rootDir!.app.read("tsconfig.stack.json")).toBe(`{
  // Written by \`jiti init\`: checks the types of stack.tsx and stack.test.tsx
  // (tsc -p tsconfig.stack.json). They stay out of tsconfig.json, which builds
  // the app: there they would change what it emits, or fall outside its
  // rootDir. jiti and vitest compile them themselves, as bundlers do.
  "extends": "./tsconfig.json",
  "compilerOptions": {
    "noEmit": true,
    "rootDir": ".",
    "module": "ESNext",
    "moduleResolution": "bundler",
    "jsx": "react-jsx",
    "jsxImportSource": "@jiti/jsx-runtime",
    "types": ["node"]
  },
  "include": ["stack.tsx", "stack.test.tsx"],
  "exclude": []
}
`);
    // The stack's types check, against the workspace's sources (one app only: it takes seconds), undoing
    // the rootDir and the exclude that tsconfig.json has.
    const stackCheck = await runIn(everything!.app.dir, process.execPath, [
      TSC,
      ...["-p", "tsconfig.stack.json", "--noEmit", "--customConditions", "jiti-source"],
    ]);
    expect(stackCheck.code, stackCheck.stdout + stackCheck.stderr).toBe(0);
    expect(await readdir(join(everything!.app.dir, "dist"))).toEqual(["server.js"]);
  }, 60_000);

  test("follows extends: a base's noEmit takes the stack in, a base's outDir and exclude are repeated in the exclude it writes", async () => {
    const own = { extends: "./config/base.json" };
    const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
      // Checked only, with a rootDir that holds the app: as today, the include grows, repeating the base's.
      [
        "noEmit in the base",
        { compilerOptions: { noEmit: true, rootDir: ".." }, include: ["../src"] },
        {
          ...own,
          compilerOptions: { jsx: "react-jsx", jsxImportSource: "@jiti/jsx-runtime" },
          include: ["src", "stack.tsx", "stack.test.tsx"],
        },
      ],
      // noEmit, but a rootDir the stack is not under: apart, and nothing to exclude (the base's include is src).
      ["rootDir in the base", { compilerOptions: { noEmit: true, rootDir: "../src" }, include: ["../src"] }, own],
      [
        "outDir in the base",
        { compilerOptions: { outDir: "../build" } },
        { ...own, exclude: ["node_modules", "bower_components", "jspm_packages", "build", "stack.tsx", "stack.test.tsx"] },
      ],
      [
        "exclude in the base",
        { compilerOptions: { outDir: "../build" }, exclude: ["../tmp"] },
        { ...own, exclude: ["tmp", "stack.tsx", "stack.test.tsx"] },
      ],
    ];
    const results = await Promise.all(
      cases.map(async ([, base]) => {
        const app = await folder({
          "package.json": manifest(),
          "tsconfig.json": JSON.stringify(own),
          "config/base.json": JSON.stringify(base),
        });
        const result = await init(app);
        return {
          tsconfig: JSON.parse(await app.read("tsconfig.json")) as unknown,
          apart: existsSync(join(app.dir, "tsconfig.stack.json")),
          result,
        };
      }),
    );
    expect(results.map(({ tsconfig, apart }) => ({ tsconfig, apart }))).toEqual(
      cases.map(([, , tsconfig], i) => ({ tsconfig, apart: i > 0 })),
    );
    expect(results.map(({ result }) => (result.next as string[]).at(-1))).toEqual([
      "npx tsc --noEmit",
      ...cases.slice(1).map(() => "npx tsc -p tsconfig.stack.json --noEmit"),
    ]);
  });

  test("writes a small tsconfig.json where there is none, with Node's types; adds typescript and @types/node where the app has neither", async () => {
    const plain = await folder({ "package.json": '{ "version": "1.0.0" }\n' });
    const typed = await folder({
      "package.json": manifest({ dependencies: { typescript: "~5.8.0" }, devDependencies: { "@types/node": "^22.0.0" } }),
    });
    const [plainResult, typedResult] = await Promise.all([init(plain), init(typed)]);
    expect(plainResult!.devDependencies).toMatchObject({ "@types/node": NODE_TYPES, typescript: "^5.9.3" });
    // Never changed where the app has them, in either list.
    expect(Object.keys(typedResult!.devDependencies as object)).not.toContain("typescript");
    expect(Object.keys(typedResult!.devDependencies as object)).not.toContain("@types/node");
    expect(JSON.parse(await typed.read("package.json"))).toMatchObject({
      dependencies: { typescript: "~5.8.0" },
      devDependencies: { "@types/node": "^22.0.0" },
    });
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
      // TypeScript 6 includes no @types by default: server.ts's `node:http` needs them named.
      types: ["node"],
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

      const has = await folder({ "package.json": manifest({ devDependencies: COMPLETE }), "pnpm-lock.yaml": "" });
      const none = await jiti(has, ["init", "--json"], { env });
      expect(none.code, none.stderr).toBe(0);
      expect(existsSync(join(has.dir, "installed.txt"))).toBe(false);
      expect(jsonLines(none.stdout).find((line) => line.kind === "result")).toMatchObject({ installed: false, devDependencies: {} });

      const failing = await folder({ "package.json": manifest(), "yarn.lock": "" });
      const failed = await jiti(failing, ["init"], { env });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain("`yarn install` failed (exit code 3): the files jiti init wrote stay");
      // What to run instead of jiti init again (which would refuse), and what comes after it, all the same.
      expect(failed.stderr).toContain("then run `yarn install` (not jiti init again, which would need --force");
      expect(failed.stdout).toContain("Next:\n  yarn jiti local");
      expect(await failing.read()).toContain("<Stack name=");
    },
  );

  test.skipIf(process.platform === "win32")(
    "pnpm refusing esbuild's build script (ERR_PNPM_IGNORED_BUILDS) is an install, with a note; another pnpm failure is not",
    async () => {
      // A pnpm that writes to stderr what the app's pnpm-stderr.txt holds, as pnpm 12 does, and fails.
      const bin = await folder({ pnpm: "#!/bin/sh\necho 'Packages: +9'\ncat pnpm-stderr.txt >&2\nexit 1\n" });
      await chmod(join(bin.dir, "pnpm"), 0o755);
      const env = { PATH: `${bin.dir}:${process.env.PATH ?? ""}` };
      const ignored = [
        "Error: ERR_PNPM_IGNORED_BUILDS",
        "",
        "  × installing dependencies",
        "  ╰─▶ Ignored build scripts: esbuild@0.25.12",
        '  help: Run "pnpm approve-builds" to pick which dependencies should be allowed',
        "        to run scripts.",
        "",
      ].join("\n");
      const app = await folder({ "package.json": manifest(), "pnpm-lock.yaml": "", "pnpm-stderr.txt": ignored });
      const run = await jiti(app, ["init"], { env });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain("Ignored build scripts: esbuild@0.25.12");
      expect(run.stdout).toContain(
        "pnpm installed everything but did not run esbuild's build script (ERR_PNPM_IGNORED_BUILDS), which esbuild does not need",
      );
      expect(run.stdout).toContain("Next:\n  pnpm exec jiti local");

      const again = await folder({ "package.json": manifest(), "pnpm-lock.yaml": "", "pnpm-stderr.txt": ignored });
      const jsonRun = await jiti(again, ["init", "--json"], { env });
      expect(jsonRun.code, jsonRun.stderr).toBe(0);
      const lines = jsonLines(jsonRun.stdout);
      expect(lines.find((line) => line.kind === "warning")).toMatchObject({ code: "IgnoredBuilds", packages: ["esbuild"] });
      expect(lines.find((line) => line.kind === "result")).toMatchObject({ ok: true, installed: true });

      // Only that error: a registry's 404 with the same exit code is a failed install.
      const missing = "Error: ERR_PNPM_FETCH_404\n\n  × GET https://registry.npmjs.org/@jiti%2Fcli: Not Found - 404\n";
      const failing = await folder({ "package.json": manifest(), "pnpm-lock.yaml": "", "pnpm-stderr.txt": missing });
      const failed = await jiti(failing, ["init"], { env });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain("error: `pnpm install` failed (exit code 1): the files jiti init wrote stay");
      expect(failed.stderr).toContain("then run `pnpm install`");
      expect(failed.stdout).toContain("Next:\n  pnpm exec jiti local");
      expect(failed.stdout).not.toContain("ERR_PNPM_IGNORED_BUILDS");
    },
  );

  test.skipIf(process.platform === "win32")(
    "without pnpm or yarn on PATH, runs pnpm through npx (at the packageManager field's version, else 12) and yarn through corepack, and says so",
    async () => {
      // PATH holds only these stand-ins, which note how they were run.
      const bin = await folder({
        npx: '#!/bin/sh\necho "npx $*" > installed.txt\n',
        corepack: '#!/bin/sh\necho "corepack $*" > installed.txt\n',
      });
      await Promise.all(["npx", "corepack"].map((name) => chmod(join(bin.dir, name), 0o755)));
      const env = { PATH: bin.dir };
      const cases: Array<[Record<string, string>, string]> = [
        [{ "package.json": manifest({ packageManager: "pnpm@10.4.0+sha512.0123abcd" }) }, "npx -y pnpm@10.4.0 install"],
        [{ "package.json": manifest(), "pnpm-lock.yaml": "" }, "npx -y pnpm@12 install"],
        [{ "package.json": manifest(), "yarn.lock": "" }, "corepack yarn install"],
      ];
      const runs = await Promise.all(
        cases.map(async ([files]) => {
          const app = await folder(files);
          const run = await jiti(app, ["init"], { env });
          expect(run.code, run.stderr).toBe(0);
          return { stdout: run.stdout, installed: await app.read("installed.txt") };
        }),
      );
      expect(runs.map((run) => run.installed)).toEqual(cases.map(([, command]) => `${command}\n`));
      expect(runs[1]!.stdout).toContain("Installing them: npx -y pnpm@12 install (pnpm is not on PATH)");
      expect(runs[2]!.stdout).toContain("Installing them: corepack yarn install (yarn is not on PATH)");
    },
  );

  test("a command without a stack.tsx here suggests jiti init", async () => {
    const app = await folder({ "package.json": manifest() });
    const plan = await jiti(app, ["plan"]);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain("error: no stack file at stack.tsx");
    expect(plan.stderr).toContain(
      "Run jiti in the folder that holds stack.tsx, or pass the file's path; to start a stack for the app here, run jiti init",
    );
  });
});
