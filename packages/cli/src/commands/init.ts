import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { CliError } from "../cli-error.js";
import { defineJitiCommand } from "../command.js";
import { outputArgs } from "../options.js";
import type { Ui } from "../ui.js";
import {
  appName,
  entryFile,
  packageManager,
  readManifest,
  RUNNERS,
  wantedDevDependencies,
  withDevDependencies,
  type PackageManager,
} from "./_init-app.js";
import { stackSource, testSource } from "./_init-files.js";
import { install, installer, type Installed } from "./_init-install.js";
import { JSX_IMPORT_SOURCE, planTsconfig, STACK_TSCONFIG, type TsconfigPlan } from "./_init-tsconfig.js";

const STACK = "stack.tsx";
const TEST = "stack.test.tsx";
/** Where vitest keeps the test's snapshot. */
const SNAPSHOT = "__snapshots__/stack.test.tsx.snap";

export const initCommand = defineJitiCommand({
  meta: { name: "init", description: "Start a stack for a Node app: stack.tsx, its snapshot test, the JSX settings, the dev dependencies" },
  args: {
    dir: {
      type: "positional",
      required: false,
      description: "The app's folder, which holds its package.json (default: the current folder)",
    },
    force: { type: "boolean", description: "Overwrite an existing stack.tsx and stack.test.tsx" },
    install: {
      type: "boolean",
      default: true,
      description: "Install the dev dependencies it adds, with the app's package manager",
      negativeDescription: "Only add them to package.json",
    },
    ...outputArgs,
  },
  async run(cli, flags) {
    const { ui } = cli;
    const dir = resolve(flags.dir ?? ".");
    const init = planInit(dir, relative(process.cwd(), dir) || ".", flags.force === true);
    // Every file was read and checked before this first write.
    for (const write of init.writes) await writeFile(join(dir, write.file), write.text);
    const added = Object.keys(init.devDependencies);
    const installing = added.length > 0 && flags.install;
    const using = installer(init.manager, dir);
    const c = ui.out.c;
    ui.print(summary(init, c).join("\n"));
    let installed: Installed | undefined;
    if (installing) {
      ui.print(`\nInstalling them: ${c.bold(`${using.tool} install`)}${using.via ? ` (${using.via})` : ""}`);
      installed = await install(init.manager, using, dir, init.shown, ui);
      if (installed.ok && installed.note) {
        ui.print(c.yellow(installed.note));
        ui.emit("warning", { code: "IgnoredBuilds", packages: installed.ignoredBuilds, message: installed.note });
      }
    } else if (added.length > 0) {
      ui.print(`\nNot installed (--no-install): run ${c.bold(`${using.tool} install`)} first.`);
    }
    // Also after a failed install: the files are written, and these come next once it is fixed.
    ui.print(`\nNext${init.shown === "." ? "" : `, in ${init.shown}`}:`);
    const width = Math.max(...init.next.map((step) => step.command.length));
    for (const step of init.next) ui.print(`  ${c.bold(step.command.padEnd(width))}  ${c.dim(step.why)}`);
    const failed = installed?.ok === false ? installed.error : undefined;
    ui.emit("result", {
      ok: failed === undefined,
      dir: init.shown,
      name: init.name,
      entry: init.entry ?? null,
      files: init.writes.map(({ file, action }) => ({ file, action })),
      devDependencies: init.devDependencies,
      packageManager: init.manager,
      installed: installed?.ok === true,
      jsx: init.tsconfig.pragma ? "pragma" : "tsconfig",
      next: init.next.map((step) => step.command),
    });
    if (failed) throw failed;
    return 0;
  },
});

/** What `jiti init` will do, worked out before it writes anything. */
interface InitPlan {
  /** The app's folder as the user named it. */
  shown: string;
  name: string;
  entry: string | undefined;
  manager: PackageManager;
  writes: Array<{ file: string; text: string; action: "created" | "replaced" | "changed" }>;
  tsconfig: TsconfigPlan;
  devDependencies: Record<string, string>;
  next: Array<{ command: string; why: string }>;
}

/** Reads the app and works out every file to write; throws before anything is written when one must not be. */
function planInit(dir: string, shown: string, force: boolean): InitPlan {
  const app = readManifest(dir, shown);
  const there = [STACK, TEST].filter((file) => existsSync(join(dir, file)));
  if (there.length > 0 && !force) {
    const files = there.map((file) => join(shown, file)).join(" and ");
    throw new CliError(
      `${files} already ${there.length === 1 ? "exists" : "exist"}: jiti init does not overwrite ${there.length === 1 ? "it" : "them"}`,
      `Run jiti init --force to replace ${STACK} and ${TEST}, or move ${there.length === 1 ? "it" : "them"} away first`,
    );
  }
  const tsconfig = planTsconfig(dir, [STACK, TEST]);
  const manager = packageManager(dir);
  const runner = RUNNERS[manager];
  const dependencies = Object.keys(app.value.dependencies ?? {}).length > 0;
  const starter = { name: appName(app), entry: entryFile(app), pragma: tsconfig.pragma, runner, dependencies };
  const manifest = withDevDependencies(app, wantedDevDependencies(pkg.version, process.versions.node));

  const writes: InitPlan["writes"] = [
    { file: STACK, text: stackSource(starter), action: there.includes(STACK) ? "replaced" : "created" },
    { file: TEST, text: testSource(starter), action: there.includes(TEST) ? "replaced" : "created" },
  ];
  for (const { file, text, action } of tsconfig.writes) writes.push({ file, text, action });
  if (manifest.text !== app.text) writes.push({ file: "package.json", text: manifest.text, action: "changed" });

  // A snapshot left by an earlier stack.test.tsx would fail the new one: the first run rewrites it.
  const update = existsSync(join(dir, SNAPSHOT)) ? " -u" : "";
  const next = [
    { command: `${runner} jiti local`, why: "a local AWS emulator, in another terminal: paste the export lines it prints here" },
    { command: `${runner} jiti plan`, why: `what ${STACK} would create` },
    { command: `${runner} vitest run ${TEST}${update}`, why: "the snapshot test (the first run writes the snapshot)" },
    { command: `${runner} ${tsconfig.check}`, why: `the types of ${STACK}, checked against jiti's declarations` },
  ];
  return { shown, name: starter.name, entry: starter.entry, manager, writes, tsconfig, devDependencies: manifest.added, next };
}

/** What was written, one line a file, and what the user should know of it. */
function summary(init: InitPlan, c: Ui["out"]["c"]): string[] {
  const shown = (file: string) => c.bold(init.shown === "." ? file : join(init.shown, file));
  const about: Record<string, string> = {
    [STACK]: init.entry
      ? `a VPC, a public subnet and an EC2 instance that runs ${init.entry}`
      : "a VPC, a public subnet and an EC2 instance, without the app yet",
    [TEST]: "a snapshot test of the rendered stack",
    ...Object.fromEntries(init.tsconfig.writes.map((write) => [write.file, write.about])),
    "package.json": `added devDependencies ${Object.keys(init.devDependencies).join(", ")}`,
  };
  const verbs = { created: "Wrote", replaced: "Replaced", changed: "Changed" };
  const lines = init.writes.map((write) => `${verbs[write.action]} ${shown(write.file)}: ${about[write.file]}.`);
  const { kept, apart } = init.tsconfig;
  if (apart) {
    lines.push(
      c.yellow(
        `tsconfig.json leaves out ${STACK} and ${TEST}: ${apart}. ${STACK_TSCONFIG} checks them instead, and they start with /** @jsxImportSource ${JSX_IMPORT_SOURCE} */.`,
      ),
    );
  } else if (kept) {
    const settings = Object.entries(kept)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key} ${JSON.stringify(value)}`)
      .join(", ");
    lines.push(
      c.yellow(
        `tsconfig.json keeps its own JSX settings (${settings}): ${STACK} and ${TEST} start with /** @jsxImportSource ${JSX_IMPORT_SOURCE} */ instead.`,
      ),
    );
  }
  // Vite takes JSX from the tsconfig, and "preserve" (Next.js) leaves it for a bundler that vitest does not run.
  if (kept?.jsx === "preserve") {
    lines.push(
      c.yellow(
        `vitest compiles JSX as tsconfig.json says, and "preserve" leaves it as is: give vitest.config.ts oxc: { jsx: { runtime: "automatic" } }.`,
      ),
    );
  }
  if (!init.entry) {
    lines.push(
      c.yellow(
        "No entry file found (package.json's main or start script, server.ts, index.ts, src/server.ts…): stack.tsx says where to add the app.",
      ),
    );
  }
  return lines;
}
