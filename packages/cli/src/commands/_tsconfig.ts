import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { readJsonc } from "./_jsonc.js";

/*
 * How tsc reads a tsconfig.json, as far as `jiti init` needs it: the
 * settings with what it `extends` applied, and whether a file is one it
 * compiles. Reading only: _init-tsconfig.ts decides what to change.
 */

/** A list of paths from a tsconfig, with the folder they are relative to: that of the file that set them. */
export interface Paths {
  patterns: string[];
  base: string;
}

/** The settings of a tsconfig that matter here, with what it extends applied; folders absolute. */
export interface Settings {
  /** The folder of the tsconfig itself, which its default `include` (everything) is relative to. */
  dir: string;
  jsx?: unknown;
  jsxImportSource?: unknown;
  noEmit?: unknown;
  composite?: unknown;
  incremental?: unknown;
  rootDir?: string;
  outDir?: string;
  declarationDir?: string;
  include?: Paths;
  exclude?: Paths;
  files?: Paths;
}

/** Compiler options kept as they are. */
const VALUES = ["jsx", "jsxImportSource", "noEmit", "composite", "incremental"] as const;
/** Compiler options that name a folder, relative to the file that sets them. */
const FOLDERS = ["rootDir", "outDir", "declarationDir"] as const;

/** The folders tsc leaves out of an `include` wildcard, and of the default `exclude`. */
export const PACKAGE_FOLDERS = ["node_modules", "bower_components", "jspm_packages"];

export function effectiveSettings(file: string): Settings {
  return { ...read(file, new Set()), dir: dirname(file) };
}

function read(file: string, seen: Set<string>): Omit<Settings, "dir"> {
  if (seen.has(file)) return {};
  seen.add(file);
  const config = readJsonc(readFileSync(file, "utf8"), relative(process.cwd(), file) || file);
  const base = dirname(file);
  const extended = (Array.isArray(config.extends) ? config.extends : [config.extends])
    .filter((spec): spec is string => typeof spec === "string")
    .map((spec) => extendedFile(spec, base))
    .filter((found): found is string => found !== undefined);
  // Later bases override earlier ones, and the file itself all of them: an
  // `include`, `exclude` or `files` of its own replaces the inherited one.
  const settings: Omit<Settings, "dir"> = Object.assign({}, ...extended.map((f) => read(f, seen)));
  const options = (config.compilerOptions ?? {}) as Record<string, unknown>;
  for (const key of VALUES) if (options[key] !== undefined) settings[key] = options[key];
  for (const key of FOLDERS) if (typeof options[key] === "string") settings[key] = resolve(base, options[key]);
  for (const key of ["include", "exclude", "files"] as const) {
    const list = config[key];
    if (Array.isArray(list)) settings[key] = { patterns: list.filter((p): p is string => typeof p === "string"), base };
  }
  return settings;
}

/** The file an `extends` names, as tsc finds it; undefined for a package that is not installed. */
function extendedFile(spec: string, from: string): string | undefined {
  if (spec.startsWith(".") || isAbsolute(spec)) {
    const path = resolve(from, spec);
    return [path, `${path}.json`].find((candidate) => existsSync(candidate) && extname(candidate) !== "");
  }
  const require = createRequire(join(from, "tsconfig.json"));
  for (const candidate of [spec, `${spec}.json`, `${spec}/tsconfig.json`]) {
    try {
      return require.resolve(candidate);
    } catch {
      // Not this way of naming it: try the next.
    }
  }
  return undefined;
}

/**
 * Whether tsc compiles `file` under `settings`: named in `files`, or matched
 * by `include` (everything when there is neither) and not by `exclude`,
 * which defaults to the outDir and declarationDir.
 */
export function compiles(settings: Settings, file: string): boolean {
  const { files, include } = settings;
  if (files?.patterns.some((f) => resolve(files.base, f) === file)) return true;
  const included = include ?? (files ? undefined : { patterns: ["**/*"], base: settings.dir });
  if (!included?.patterns.some((pattern) => globMatches(pattern, included.base, file))) return false;
  return !excluded(settings, file);
}

/** Whether `exclude` (or, without one, the folders tsc leaves out by default) holds `file`. */
export function excluded(settings: Settings, file: string): boolean {
  const exclude = settings.exclude ?? { patterns: defaultExclude(settings), base: settings.dir };
  return exclude.patterns.some((pattern) => globMatches(pattern, exclude.base, file));
}

/**
 * What tsc excludes when no `exclude` is set, relative to the tsconfig's
 * folder: the package folders and what it emits to. An `exclude` written
 * where there was none must repeat these, or the next build compiles its
 * own output (with allowJs) or the packages' sources.
 */
export function defaultExclude(settings: Settings): string[] {
  const emitted = [settings.outDir, settings.declarationDir].filter((d): d is string => d !== undefined);
  return [...PACKAGE_FOLDERS, ...emitted.map((folder) => relativeTo(settings.dir, folder))];
}

/** `path` relative to `dir`, with `/`, as a tsconfig writes it (`.` for `dir` itself). */
export function relativeTo(dir: string, path: string): string {
  return posix(relative(dir, path)) || ".";
}

/** Whether `folder` is `dir` or holds it. */
export function holds(folder: string, dir: string): boolean {
  const path = relative(folder, dir);
  return !path.startsWith("..") && !isAbsolute(path);
}

/** tsc's `include` and `exclude` patterns: `*`, `?` and `**\/`; a last segment without a wildcard nor an extension is a folder. */
function globMatches(pattern: string, base: string, file: string): boolean {
  const path = posix(relative(base, file));
  let glob = posix(relative(base, resolve(base, pattern)));
  const last = glob.split("/").at(-1)!;
  if (!/[*?]/.test(last) && !/\.[^.]+$/.test(last)) glob = glob === "" ? "**/*" : `${glob}/**/*`;
  const source = glob
    .split("/")
    .map((segment) =>
      segment === "**"
        ? "(?:[^/]+/)*"
        : `${segment
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*")
            .replace(/\?/g, "[^/]")}/`,
    )
    .join("")
    .replace(/\/$/, "");
  return new RegExp(`^${source}$`).test(path);
}

function posix(path: string): string {
  return path.split(sep).join("/");
}
