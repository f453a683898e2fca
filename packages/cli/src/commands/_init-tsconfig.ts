import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { appendItems, readJsonc, setProperty } from "./_jsonc.js";
import { compiles, defaultExclude, effectiveSettings, holds, relativeTo, type Paths, type Settings } from "./_tsconfig.js";

/*
 * The TypeScript settings `jiti init` needs for stack.tsx and its test: JSX
 * through jiti's runtime (`jsx: "react-jsx"`, `jsxImportSource:
 * "@jiti/jsx-runtime"`), which tsc reads and vitest (through Vite) too, and
 * the two files in what tsc checks.
 *
 * A tsconfig.json that only checks types (noEmit, as bundlers' are) takes
 * them in. One that builds the app does not: the two files in its build
 * would change what it emits (dist/server.js becomes dist/src/server.js, and
 * dist/stack.js appears) or fail its rootDir (TS6059). They are then checked
 * apart, by a tsconfig.stack.json that extends it, and left out of it.
 */

export const JSX_IMPORT_SOURCE = "@jiti/jsx-runtime";
/** Where the stack's files are checked when tsconfig.json builds the app. */
export const STACK_TSCONFIG = "tsconfig.stack.json";

/** A file of the plan: tsconfig.json or tsconfig.stack.json. */
export interface TsconfigWrite {
  file: string;
  text: string;
  action: "created" | "changed";
  /** What it does, or what was added to it, for the summary. */
  about: string;
}

/** What becomes of the app's TypeScript settings. */
export interface TsconfigPlan {
  /** The files to write: none when they are as they should be. */
  writes: TsconfigWrite[];
  /**
   * The JSX settings the app keeps (a React app's), when they are not jiti's:
   * the generated files then say `@jsxImportSource` themselves.
   */
  kept: { jsx?: unknown; jsxImportSource?: unknown } | undefined;
  /** Why tsconfig.json leaves the stack's files to tsconfig.stack.json; undefined when it checks them itself. */
  apart: string | undefined;
  /** Whether the generated files say `@jsxImportSource` themselves: no tsconfig vitest and jiti read gives them jiti's JSX. */
  pragma: boolean;
  /** The tsc command, without the runner, that checks the stack's types. */
  check: string;
}

/**
 * What to make of `dir`/tsconfig.json so that `files` (relative to `dir`)
 * compile with jiti's JSX. An existing file is edited in place, keeping its
 * comments and its other settings, and read with what it `extends`, since a
 * base may set JSX (React's), `include`, `noEmit` or `outDir`. Node's types
 * are named (TypeScript 6 includes none by default): `jiti init` adds
 * `@types/node` where the app has not.
 */
export function planTsconfig(dir: string, files: readonly string[]): TsconfigPlan {
  const file = join(dir, "tsconfig.json");
  const check = "tsc --noEmit";
  if (!existsSync(file)) {
    const about = `JSX through ${JSX_IMPORT_SOURCE}, for tsc and vitest`;
    return {
      writes: [{ file: "tsconfig.json", text: newTsconfig(), action: "created", about }],
      kept: undefined,
      apart: undefined,
      pragma: false,
      check,
    };
  }
  const original = readFileSync(file, "utf8");
  const settings = effectiveSettings(file);
  const { jsx, jsxImportSource } = settings;
  // jsx "react-jsx" alone is React's: "react" is the import source tsc defaults to.
  const jitiJsx =
    (jsx === undefined || jsx === "react-jsx" || jsx === "react-jsxdev") &&
    (jsxImportSource === undefined ? jsx === undefined : jsxImportSource === JSX_IMPORT_SOURCE);
  const kept = jitiJsx ? undefined : { jsx, jsxImportSource };
  const apart = whyApart(settings, dir);
  if (apart) return planApart(dir, files, original, settings, kept, apart);

  const added: string[] = [];
  let text = jitiJsx ? withJitiJsx(original, settings, added) : original;
  const missing = files.filter((f) => !compiles(settings, resolve(dir, f)));
  if (missing.length > 0) {
    text = withIncluded(text, dir, settings, missing);
    added.push(`${missing.join(" and ")} to include`);
  }
  const writes: TsconfigWrite[] =
    text === original ? [] : [{ file: "tsconfig.json", text, action: "changed", about: `added ${added.join(", ")}` }];
  return { writes, kept, apart: undefined, pragma: kept !== undefined, check };
}

/** Why tsc must not compile the stack's files with tsconfig.json: it builds the app (no noEmit), or its rootDir does not hold them. */
function whyApart(settings: Settings, dir: string): string | undefined {
  if (settings.rootDir !== undefined && !holds(settings.rootDir, dir)) {
    return `its rootDir, ${relativeTo(dir, settings.rootDir)}, does not hold them (tsc would fail, TS6059)`;
  }
  if (settings.noEmit !== true) return "it builds the app (it has no noEmit), and they would change what it emits";
  return undefined;
}

/**
 * tsconfig.json as it is, but for `files` in its `exclude` where it would
 * compile them, and a tsconfig.stack.json that checks them (an existing one
 * is the user's: it stays).
 */
function planApart(
  dir: string,
  files: readonly string[],
  original: string,
  settings: Settings,
  kept: TsconfigPlan["kept"],
  apart: string,
): TsconfigPlan {
  const writes: TsconfigWrite[] = [];
  const picked = files.filter((f) => compiles(settings, resolve(dir, f)));
  if (picked.length > 0) {
    const text = withExcluded(original, dir, settings, picked);
    writes.push({ file: "tsconfig.json", text, action: "changed", about: `added ${picked.join(" and ")} to exclude` });
  }
  if (!existsSync(join(dir, STACK_TSCONFIG))) {
    const about = `checks ${files.join(" and ")} with tsconfig.json's settings and JSX through ${JSX_IMPORT_SOURCE}, apart from the app's build`;
    writes.push({ file: STACK_TSCONFIG, text: stackTsconfig(settings, files), action: "created", about });
  }
  return { writes, kept, apart, pragma: true, check: `tsc -p ${STACK_TSCONFIG} --noEmit` };
}

/** `text` with the JSX settings `settings` lacks, each noted in `added`. */
function withJitiJsx(text: string, settings: Settings, added: string[]): string {
  const wanted = Object.entries({ jsx: "react-jsx", jsxImportSource: JSX_IMPORT_SOURCE }).filter(
    ([key]) => settings[key as "jsx" | "jsxImportSource"] === undefined,
  );
  added.push(...wanted.map(([key, value]) => `${key} ${JSON.stringify(value)}`));
  const own = readJsonc(text, "tsconfig.json").compilerOptions;
  // Beside `extends`, whose settings it adds to.
  if (typeof own !== "object" || own === null)
    return setProperty(text, ["compilerOptions"], Object.fromEntries(wanted), (keys) => keys.indexOf("extends") + 1);
  // First among the compiler options, jsx before jsxImportSource: a new last
  // one would take the old last one's comment (`"strict": true, // …`).
  const at = (key: string) => (keys: string[]) => (key === "jsx" ? Math.max(0, keys.indexOf("jsxImportSource")) : keys.indexOf("jsx") + 1);
  return wanted.reduce((edited, [key, value]) => setProperty(edited, ["compilerOptions", key], value, at(key)), text);
}

/** `text` with `missing` (relative to `dir`) in its `include`. */
function withIncluded(text: string, dir: string, settings: Settings, missing: readonly string[]): string {
  if (Array.isArray(readJsonc(text, "tsconfig.json").include)) return appendItems(text, ["include"], missing);
  // An `include` of its own replaces the one it extends, which it must therefore repeat.
  return setProperty(text, ["include"], [...rebased(dir, settings.include), ...missing]);
}

/** `text` with `picked` (relative to `dir`) in its `exclude`. */
function withExcluded(text: string, dir: string, settings: Settings, picked: readonly string[]): string {
  if (Array.isArray(readJsonc(text, "tsconfig.json").exclude)) return appendItems(text, ["exclude"], picked);
  // One of its own replaces the inherited one, or tsc's default, which it must therefore repeat.
  const before = settings.exclude ? rebased(dir, settings.exclude) : defaultExclude(settings);
  return setProperty(text, ["exclude"], [...before, ...picked]);
}

/** Inherited patterns, relative to `dir`. */
function rebased(dir: string, paths: Paths | undefined): string[] {
  return paths ? paths.patterns.map((p) => relativeTo(dir, resolve(paths.base, p))) : [];
}

function newTsconfig(): string {
  return `{
  // Written by \`jiti init\` for stack.tsx and stack.test.tsx. tsc only checks
  // types (noEmit): jiti and vitest compile the files themselves, resolving
  // imports as bundlers do. JSX goes through jiti's runtime, not React's.
  "compilerOptions": {
    "target": "ES2022",
    "module": "ESNext",
    "moduleResolution": "bundler",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "jsx": "react-jsx",
    "jsxImportSource": "${JSX_IMPORT_SOURCE}",
    "types": ["node"]
  }
}
`;
}

/**
 * tsconfig.stack.json: tsconfig.json's settings for `files` alone, checked
 * and not emitted. What tsconfig.json has that would not do for them is
 * undone: its rootDir, its module resolution (a CommonJS build's does not
 * read package exports, which the jiti packages need), its incremental
 * build info, its `files` and its `exclude` (which now lists them).
 */
function stackTsconfig(settings: Settings, files: readonly string[]): string {
  const list = (items: readonly string[]) => `[${items.map((item) => JSON.stringify(item)).join(", ")}]`;
  const options: Array<[string, string]> = [
    ["noEmit", "true"],
    ["rootDir", '"."'],
    ["module", '"ESNext"'],
    ["moduleResolution", '"bundler"'],
    ["jsx", '"react-jsx"'],
    ["jsxImportSource", JSON.stringify(JSX_IMPORT_SOURCE)],
    ["types", list(["node"])],
  ];
  if (settings.composite === true) options.push(["composite", "false"]);
  if (settings.incremental === true) options.push(["incremental", "false"]);
  const lines = [
    "{",
    "  // Written by `jiti init`: checks the types of stack.tsx and stack.test.tsx",
    "  // (tsc -p tsconfig.stack.json). They stay out of tsconfig.json, which builds",
    "  // the app: there they would change what it emits, or fall outside its",
    "  // rootDir. jiti and vitest compile them themselves, as bundlers do.",
    '  "extends": "./tsconfig.json",',
    '  "compilerOptions": {',
    options.map(([key, value]) => `    "${key}": ${value}`).join(",\n"),
    "  },",
    ...(settings.files ? ['  "files": [],'] : []),
    `  "include": ${list(files)},`,
    '  "exclude": []',
    "}",
  ];
  return `${lines.join("\n")}\n`;
}
