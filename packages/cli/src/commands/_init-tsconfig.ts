import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { appendItems, readJsonc, setProperty } from "./_jsonc.js";

/*
 * The TypeScript settings `jiti init` needs for stack.tsx and its test: JSX
 * through jiti's runtime (`jsx: "react-jsx"`, `jsxImportSource:
 * "@jiti/jsx-runtime"`), which tsc reads and vitest (through Vite) too, and
 * the two files in what the tsconfig includes.
 */

export const JSX_IMPORT_SOURCE = "@jiti/jsx-runtime";

/** What becomes of the app's tsconfig.json. */
export interface TsconfigPlan {
  /** The text to write; undefined when the file stays as it is. */
  text: string | undefined;
  /** Whether there was no tsconfig.json before. */
  created: boolean;
  /** What was added to an existing one, for the summary: `jsx "react-jsx"`, `stack.tsx and stack.test.tsx to include`. */
  added: string[];
  /**
   * The JSX settings the app keeps (a React app's), when they are not jiti's:
   * the generated files then say `@jsxImportSource` themselves.
   */
  kept: { jsx?: unknown; jsxImportSource?: unknown } | undefined;
}

/**
 * What to make of `dir`/tsconfig.json so that `files` (relative to `dir`)
 * compile with jiti's JSX. An existing file is edited in place, keeping its
 * comments and its other settings, and read with what it `extends`, since a
 * base may set JSX (React's) or `include`.
 */
export function planTsconfig(dir: string, files: readonly string[], nodeTypes: boolean): TsconfigPlan {
  const file = join(dir, "tsconfig.json");
  if (!existsSync(file)) return { text: newTsconfig(nodeTypes), created: true, added: [], kept: undefined };
  const original = readFileSync(file, "utf8");
  const settings = effectiveSettings(file, new Set());
  const { jsx, jsxImportSource } = settings;
  // jsx "react-jsx" alone is React's: "react" is the import source tsc defaults to.
  const jitiJsx =
    (jsx === undefined || jsx === "react-jsx" || jsx === "react-jsxdev") &&
    (jsxImportSource === undefined ? jsx === undefined : jsxImportSource === JSX_IMPORT_SOURCE);
  const added: string[] = [];
  let text = jitiJsx ? withJitiJsx(original, settings, added) : original;
  const missing = files.filter((f) => !included(settings, resolve(dir, f)));
  if (missing.length > 0) {
    text = withIncluded(text, dir, settings, missing);
    added.push(`${missing.join(" and ")} to include`);
  }
  return { text: text === original ? undefined : text, created: false, added, kept: jitiJsx ? undefined : { jsx, jsxImportSource } };
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
  const inherited = settings.include
    ? settings.include.patterns.map((p) => posix(relative(dir, resolve(settings.include!.base, p))) || ".")
    : [];
  return setProperty(text, ["include"], [...inherited, ...missing]);
}

function newTsconfig(nodeTypes: boolean): string {
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
    "jsxImportSource": "${JSX_IMPORT_SOURCE}"${nodeTypes ? `,\n    "types": ["node"]` : ""}
  }
}
`;
}

/** The settings of a tsconfig that matter here, with what it extends applied; each list with the folder it is relative to. */
interface Settings {
  jsx?: unknown;
  jsxImportSource?: unknown;
  include?: { patterns: string[]; base: string };
  files?: { list: string[]; base: string };
}

function effectiveSettings(file: string, seen: Set<string>): Settings {
  if (seen.has(file)) return {};
  seen.add(file);
  const config = readJsonc(readFileSync(file, "utf8"), relative(process.cwd(), file) || file);
  const base = dirname(file);
  const extended = (Array.isArray(config.extends) ? config.extends : [config.extends])
    .filter((spec): spec is string => typeof spec === "string")
    .map((spec) => extendedFile(spec, base))
    .filter((found): found is string => found !== undefined);
  // Later bases override earlier ones, and the file itself all of them.
  const settings: Settings = Object.assign({}, ...extended.map((f) => effectiveSettings(f, seen)));
  const options = config.compilerOptions as Record<string, unknown> | undefined;
  if (options?.jsx !== undefined) settings.jsx = options.jsx;
  if (options?.jsxImportSource !== undefined) settings.jsxImportSource = options.jsxImportSource;
  if (Array.isArray(config.include)) settings.include = { patterns: config.include.filter((p) => typeof p === "string"), base };
  if (Array.isArray(config.files)) settings.files = { list: config.files.filter((f) => typeof f === "string"), base };
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

/** Whether tsc would compile `file` under `settings`: with no `include` nor `files`, everything is. */
function included(settings: Settings, file: string): boolean {
  const { include, files } = settings;
  if (!include && !files) return true;
  if (files?.list.some((f) => resolve(files.base, f) === file)) return true;
  return include?.patterns.some((pattern) => globMatches(pattern, include.base, file)) ?? false;
}

/** tsc's `include` patterns: `*`, `?` and `**\/`; a last segment without a wildcard nor an extension is a folder. */
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
