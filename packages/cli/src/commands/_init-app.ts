import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { CliError } from "../cli-error.js";
import { readJsonc, setProperty, sortedPosition } from "./_jsonc.js";

/*
 * What `jiti init` reads of the app it starts a stack for: its name, the
 * file that starts it, its package manager, and the dev dependencies the
 * stack and its test need. Reading only: the command writes.
 */

/** The app's package.json, as text and as a value. */
export interface AppManifest {
  dir: string;
  text: string;
  value: {
    name?: unknown;
    main?: unknown;
    scripts?: Record<string, unknown>;
    dependencies?: Record<string, unknown>;
    devDependencies?: Record<string, unknown>;
    packageManager?: unknown;
  };
}

export function readManifest(dir: string, shown: string): AppManifest {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliError(`${shown} is not a folder`, "Name the app's folder, the one with its package.json: jiti init <dir>");
  }
  const file = join(dir, "package.json");
  if (!existsSync(file)) {
    throw new CliError(
      `${shown} has no package.json: jiti init adds the stack to an existing Node app`,
      `Run \`npm init -y\` in ${shown} first, or name the app's folder: jiti init <dir>`,
    );
  }
  const text = readFileSync(file, "utf8");
  return { dir, text, value: readJsonc(text, join(shown, "package.json")) };
}

/**
 * The stack's name: the package's name without its scope, in the letters
 * a stack name allows (letters, digits, `-`, starting with a letter), short
 * enough for `-<env>` to fit in its 32 characters; else the folder's name.
 */
export function appName(app: AppManifest): string {
  const fromPackage = typeof app.value.name === "string" ? slug(app.value.name.replace(/^@[^/]*\//, "")) : "";
  return fromPackage || slug(basename(app.dir)) || "app";
}

function slug(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "");
  if (name === "") return "";
  const lettered = /^[a-z]/.test(name) ? name : `app-${name}`;
  return lettered.slice(0, 24).replace(/-+$/, "");
}

/** Files that start an app, in the order they are looked for when package.json does not say. */
const ENTRY_FILES = ["server.ts", "index.ts", "src/server.ts", "src/index.ts", "server.js", "index.js", "app.js"];
const SCRIPT = /\.[cm]?[jt]s$/;

/**
 * The file that starts the app, relative to its folder with `/`: package.json's
 * `main`, else the file the `start` script runs (`node server.js`,
 * `tsx src/index.ts`), else the first of ENTRY_FILES there. Only a file that
 * exists: `npm init -y` writes `"main": "index.js"` whether or not there is one.
 */
export function entryFile(app: AppManifest): string | undefined {
  const exists = (file: string) => {
    const path = resolve(app.dir, file);
    return SCRIPT.test(path) && existsSync(path) && statSync(path).isFile() && !relative(app.dir, path).startsWith("..");
  };
  const { main, scripts } = app.value;
  const start = typeof scripts?.start === "string" ? startedFile(scripts.start) : [];
  const found = [typeof main === "string" ? main : undefined, ...start, ...ENTRY_FILES].find((file) => file && exists(file));
  return found ? relative(app.dir, resolve(app.dir, found)).split(sep).join("/") : undefined;
}

/** The words of a `start` script that may name the file it runs: those after `node`, `tsx`, `ts-node` or `bun`. */
function startedFile(script: string): string[] {
  const words = script.split("&&").at(-1)!.trim().split(/\s+/);
  const runner = words.findIndex((word) => /^(node|tsx|ts-node|bun)$/.test(word));
  return runner === -1 ? [] : words.slice(runner + 1).filter((word) => !word.startsWith("-"));
}

export type PackageManager = "npm" | "pnpm" | "yarn" | "bun";

const LOCKFILES: ReadonlyArray<[string, PackageManager]> = [
  ["package-lock.json", "npm"],
  ["pnpm-lock.yaml", "pnpm"],
  ["yarn.lock", "yarn"],
  ["bun.lock", "bun"],
  ["bun.lockb", "bun"],
];

/**
 * The package manager of the app: its lockfile's, else the one its
 * package.json's `packageManager` names (`pnpm@10.4.0`), looked for from the
 * app's folder up, so that an app in a workspace gets the workspace's; npm
 * when nothing says.
 */
export function packageManager(dir: string): PackageManager {
  for (let at = dir; ; at = dirname(at)) {
    const lockfile = LOCKFILES.find(([file]) => existsSync(join(at, file)));
    if (lockfile) return lockfile[1];
    const named = declaredManager(join(at, "package.json"));
    if (named) return named.manager;
    if (dirname(at) === at) return "npm";
  }
}

/**
 * The version of `manager` that the nearest `packageManager` field naming it
 * asks for (`pnpm@10.4.0+sha512.…` → `10.4.0`), from the app's folder up;
 * undefined when none does.
 */
export function declaredVersion(dir: string, manager: PackageManager): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const named = declaredManager(join(at, "package.json"));
    if (named?.manager === manager) return named.version;
    if (dirname(at) === at) return undefined;
  }
}

function declaredManager(file: string): { manager: PackageManager; version: string | undefined } | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const field = (JSON.parse(readFileSync(file, "utf8")) as { packageManager?: unknown }).packageManager;
    if (typeof field !== "string") return undefined;
    const [name, version] = field.split("+")[0]!.split("@");
    const manager = LOCKFILES.find(([, known]) => known === name)?.[1];
    return manager && { manager, version: version || undefined };
  } catch {
    // Another project's package.json that does not parse says nothing about this one.
    return undefined;
  }
}

/** How each package manager runs a bin of the app's dependencies. */
export const RUNNERS: Record<PackageManager, string> = { npm: "npx", pnpm: "pnpm exec", yarn: "yarn", bun: "bunx" };

/**
 * What the stack and its test import, and what checks their types, with the
 * ranges added when the app does not depend on them yet: the jiti packages
 * at this CLI's version (they are released together), vitest for the test,
 * and typescript (the version jiti is tested with) with Node's types (of the
 * Node running `jiti init`), without which `npx tsc` runs an unrelated
 * package and `node:http` has no types.
 */
export function wantedDevDependencies(version: string, nodeVersion: string): Record<string, string> {
  const jiti = `^${version}`;
  return {
    "@jiti/aws-particles": jiti,
    "@jiti/cli": jiti,
    "@jiti/jsx-runtime": jiti,
    "@jiti/reconciler": jiti,
    "@types/node": `^${nodeVersion.split(".")[0]}`,
    typescript: "^5.9.3",
    vitest: "^4.1.12",
  };
}

/**
 * The package.json with the `wanted` packages the app has in neither its
 * dependencies nor its devDependencies added to devDependencies, in order.
 * An entry the app has (a `file:` tarball, another range) is never changed.
 */
export function withDevDependencies(app: AppManifest, wanted: Record<string, string>): { text: string; added: Record<string, string> } {
  const has = (name: string) => [app.value.dependencies, app.value.devDependencies].some((deps) => deps && Object.hasOwn(deps, name));
  const added = Object.fromEntries(Object.entries(wanted).filter(([name]) => !has(name)));
  let text = app.text;
  if (Object.keys(added).length === 0) return { text, added };
  if (!app.value.devDependencies) text = setProperty(text, ["devDependencies"], added);
  else for (const [name, range] of Object.entries(added)) text = setProperty(text, ["devDependencies", name], range, sortedPosition(name));
  return { text, added };
}
