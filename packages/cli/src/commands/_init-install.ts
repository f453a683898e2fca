import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { CliError } from "../cli-error.js";
import type { Ui } from "../ui.js";
import { declaredVersion, type PackageManager } from "./_init-app.js";

/*
 * `<manager> install` in the app's folder, as `jiti init` runs it: the
 * manager on PATH, else one fetched for the run; and pnpm's refusal of build
 * scripts nobody allowed, which leaves everything installed, told apart
 * from an install that failed.
 */

/** How the package manager is run. */
export interface Installer {
  /** The manager as the user would type it: `pnpm`, or `npx -y pnpm@12` when it is not on PATH. */
  tool: string;
  /** Why `tool` stands in for the manager; undefined when it is the manager itself. */
  via: string | undefined;
}

/** pnpm's major version when the app's packageManager field names none: the one jiti is tested with. */
const PNPM_MAJOR = "12";

/**
 * The manager itself when it is on PATH; else, for pnpm, npx fetching the
 * version the app's packageManager field names (else the latest 12), and
 * for yarn, corepack (which ships with Node and reads that field itself).
 */
export function installer(manager: PackageManager, dir: string): Installer {
  if (onPath(manager)) return { tool: manager, via: undefined };
  if (manager === "pnpm") return { tool: `npx -y pnpm@${declaredVersion(dir, "pnpm") ?? PNPM_MAJOR}`, via: "pnpm is not on PATH" };
  if (manager === "yarn") return { tool: "corepack yarn", via: "yarn is not on PATH" };
  return { tool: manager, via: undefined };
}

/** What came of the install: done (with a note to show), or an error to report once the rest is printed. */
export type Installed = { ok: true; note?: string; ignoredBuilds?: string[] } | { ok: false; error: CliError };

/**
 * Runs `<tool> install` in `dir`, its output the user's to see (stdout on
 * stderr with --json, which keeps stdout to JSON lines). pnpm's stderr is
 * also read, to know its ERR_PNPM_IGNORED_BUILDS. `shown` is the folder as
 * the user named it, for the command to run next.
 */
export async function install(manager: PackageManager, using: Installer, dir: string, shown: string, ui: Ui): Promise<Installed> {
  const [command = using.tool, ...args] = [...using.tool.split(" "), "install"];
  const again = `${shown === "." ? "" : `cd ${shown} && `}${using.tool} install`;
  const readsStderr = manager === "pnpm";
  let stderr = "";
  const ran = await new Promise<{ code: number | null; error?: NodeJS.ErrnoException }>((done) => {
    const child = spawn(command, args, {
      cwd: dir,
      stdio: ["inherit", ui.json ? 2 : "inherit", readsStderr ? "pipe" : "inherit"],
      // What -y is to npx: corepack would otherwise ask before it fetches yarn.
      env: { ...process.env, COREPACK_ENABLE_DOWNLOAD_PROMPT: "0" },
      // npm and the others are .cmd scripts on Windows, which only a shell runs.
      shell: process.platform === "win32",
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      process.stderr.write(chunk);
      // The end is where pnpm reports why it failed.
      stderr = (stderr + chunk).slice(-65_536);
    });
    child.once("error", (error: NodeJS.ErrnoException) => done({ code: null, error }));
    child.once("close", (code) => done({ code }));
  });
  if (ran.error?.code === "ENOENT") {
    const error = new CliError(
      `${command} is not installed, so the dev dependencies jiti init added to package.json were not installed (found: spawn ${command} ENOENT)`,
      `Install ${manager}, then run \`${again}\` (not jiti init again: the files are written); or install them with the package manager you use`,
    );
    return { ok: false, error };
  }
  if (ran.error) throw ran.error;
  if (ran.code === 0) return { ok: true };
  const ignored = readsStderr ? ignoredBuilds(stderr) : undefined;
  if (ignored) return { ok: true, note: ignoredNote(ignored, using.tool), ignoredBuilds: ignored };
  const error = new CliError(
    `\`${using.tool} install\` failed (exit code ${ran.code}): the files jiti init wrote stay, the dev dependencies are not installed`,
    `Fix what ${manager} reported, then run \`${again}\` (not jiti init again, which would need --force for the files it wrote)`,
  );
  return { ok: false, error };
}

/**
 * The packages whose build scripts pnpm did not run, when that is all it
 * failed for: pnpm 10 and later fail an install that meets a build script
 * nobody allowed (strictDepBuilds) with ERR_PNPM_IGNORED_BUILDS, everything
 * installed. Undefined for any other failure. pnpm 12 writes
 *
 *   Error: ERR_PNPM_IGNORED_BUILDS
 *
 *     × installing dependencies
 *     ╰─▶ Ignored build scripts: esbuild@0.25.12
 *     help: Run "pnpm approve-builds" to pick which dependencies …
 */
export function ignoredBuilds(stderr: string): string[] | undefined {
  const text = stripVTControlCharacters(stderr);
  const codes = new Set(text.match(/\bERR_PNPM_[A-Z_]+/g));
  if (codes.size !== 1 || !codes.has("ERR_PNPM_IGNORED_BUILDS")) return undefined;
  // The list may wrap onto indented lines; it ends at a blank line or pnpm's help.
  const listed = /Ignored build scripts:([\s\S]*?)(?:\n\s*\n|\n\s*help:|$)/.exec(text)?.[1] ?? "";
  return listed
    .split(",")
    .map((spec) => spec.trim().replace(/\.$/, ""))
    .filter((spec) => spec !== "")
    .map((spec) => spec.slice(0, spec.lastIndexOf("@") > 0 ? spec.lastIndexOf("@") : undefined));
}

/** One line on what pnpm left out. esbuild's build only checks its binary, which comes in its platform package. */
function ignoredNote(ignored: readonly string[], tool: string): string {
  const others = ignored.filter((name) => name !== "esbuild");
  const approve = `\`${tool} approve-builds\``;
  if (others.length === 0) {
    return `${tool} installed everything but did not run esbuild's build script (ERR_PNPM_IGNORED_BUILDS), which esbuild does not need: its binary comes in its platform package. For later installs to pass too, run ${approve} and leave esbuild out.`;
  }
  return `${tool} installed everything but did not run the build scripts of ${ignored.join(", ")} (ERR_PNPM_IGNORED_BUILDS); esbuild does not need its own. Run ${approve} to allow those that need theirs.`;
}

/** Whether `name` is a command on PATH, as a shell would find it. */
function onPath(name: string): boolean {
  const extensions = process.platform === "win32" ? (process.env.PATHEXT ?? ".COM;.EXE;.BAT;.CMD").split(";") : [""];
  return (process.env.PATH ?? "")
    .split(delimiter)
    .filter((folder) => folder !== "")
    .some((folder) =>
      extensions.some((ext) => {
        const file = join(folder, name + ext);
        return existsSync(file) && statSync(file).isFile();
      }),
    );
}
