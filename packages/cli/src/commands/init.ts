import { spawn } from "node:child_process";
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
import { JSX_IMPORT_SOURCE, planTsconfig, type TsconfigPlan } from "./_init-tsconfig.js";

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
    const c = ui.out.c;
    ui.print(summary(init, c).join("\n"));
    if (installing) {
      ui.print(`\nInstalling them: ${c.bold(`${init.manager} install`)}`);
      await install(init.manager, dir, ui);
    } else if (added.length > 0) {
      ui.print(`\nNot installed (--no-install): run ${c.bold(`${init.manager} install`)} first.`);
    }
    ui.print(`\nNext${init.shown === "." ? "" : `, in ${init.shown}`}:`);
    const width = Math.max(...init.next.map((step) => step.command.length));
    for (const step of init.next) ui.print(`  ${c.bold(step.command.padEnd(width))}  ${c.dim(step.why)}`);
    ui.emit("result", {
      ok: true,
      dir: init.shown,
      name: init.name,
      entry: init.entry ?? null,
      files: init.writes.map(({ file, action }) => ({ file, action })),
      devDependencies: init.devDependencies,
      packageManager: init.manager,
      installed: installing,
      jsx: init.tsconfig.kept ? "pragma" : "tsconfig",
      next: init.next.map((step) => step.command),
    });
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
  const deps = { ...(app.value.dependencies ?? {}), ...(app.value.devDependencies ?? {}) };
  const tsconfig = planTsconfig(dir, [STACK, TEST], Object.hasOwn(deps, "@types/node"));
  const manager = packageManager(dir);
  const runner = RUNNERS[manager];
  const starter = { name: appName(app), entry: entryFile(app), pragma: tsconfig.kept !== undefined, runner };
  const manifest = withDevDependencies(app, wantedDevDependencies(pkg.version));

  const writes: InitPlan["writes"] = [
    { file: STACK, text: stackSource(starter), action: there.includes(STACK) ? "replaced" : "created" },
    { file: TEST, text: testSource(starter), action: there.includes(TEST) ? "replaced" : "created" },
  ];
  if (tsconfig.text !== undefined)
    writes.push({ file: "tsconfig.json", text: tsconfig.text, action: tsconfig.created ? "created" : "changed" });
  if (manifest.text !== app.text) writes.push({ file: "package.json", text: manifest.text, action: "changed" });

  // A snapshot left by an earlier stack.test.tsx would fail the new one: the first run rewrites it.
  const update = existsSync(join(dir, SNAPSHOT)) ? " -u" : "";
  const next = [
    { command: `${runner} jiti local`, why: "a local AWS emulator, in another terminal: paste the export lines it prints here" },
    { command: `${runner} jiti plan`, why: `what ${STACK} would create` },
    { command: `${runner} vitest run ${TEST}${update}`, why: "the snapshot test (the first run writes the snapshot)" },
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
    "tsconfig.json": init.tsconfig.created
      ? `JSX through ${JSX_IMPORT_SOURCE}, for tsc and vitest`
      : `added ${init.tsconfig.added.join(", ")}`,
    "package.json": `added devDependencies ${Object.keys(init.devDependencies).join(", ")}`,
  };
  const verbs = { created: "Wrote", replaced: "Replaced", changed: "Changed" };
  const lines = init.writes.map((write) => `${verbs[write.action]} ${shown(write.file)}: ${about[write.file]}.`);
  const kept = init.tsconfig.kept;
  if (kept) {
    const settings = Object.entries(kept)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key} ${JSON.stringify(value)}`)
      .join(", ");
    lines.push(
      c.yellow(
        `tsconfig.json keeps its own JSX settings (${settings}): ${STACK} and ${TEST} start with /** @jsxImportSource ${JSX_IMPORT_SOURCE} */ instead.`,
      ),
    );
    // Vite takes JSX from the tsconfig, and "preserve" (Next.js) leaves it for a bundler that vitest does not run.
    if (kept.jsx === "preserve") {
      lines.push(
        c.yellow(
          `vitest compiles JSX as tsconfig.json says, and "preserve" leaves it as is: give vitest.config.ts oxc: { jsx: { runtime: "automatic" } }.`,
        ),
      );
    }
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

/** Runs `<manager> install` in the app's folder, its output the user's to see (on stderr with --json, which keeps stdout to JSON lines). */
async function install(manager: PackageManager, dir: string, ui: Ui): Promise<void> {
  const ran = await new Promise<{ code: number | null; error?: NodeJS.ErrnoException }>((done) => {
    // npm and the others are .cmd scripts on Windows, which only a shell runs.
    const child = spawn(manager, ["install"], {
      cwd: dir,
      stdio: ["inherit", ui.json ? 2 : "inherit", "inherit"],
      shell: process.platform === "win32",
    });
    child.once("error", (error: NodeJS.ErrnoException) => done({ code: null, error }));
    child.once("close", (code) => done({ code }));
  });
  if (ran.error?.code === "ENOENT") {
    throw new CliError(
      `${manager} is not installed, so the dev dependencies jiti init added to package.json were not installed (found: spawn ${manager} ENOENT)`,
      `Install ${manager}, or install them with the package manager you use`,
    );
  }
  if (ran.error) throw ran.error;
  if (ran.code !== 0) {
    throw new CliError(
      `\`${manager} install\` failed (exit code ${ran.code}): the files jiti init wrote stay, the dev dependencies are not installed`,
      `Fix what ${manager} reported, then run \`${manager} install\``,
    );
  }
}
