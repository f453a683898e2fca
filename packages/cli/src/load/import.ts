import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { compileStack, type Compiled } from "./compile.js";
import { mapFrames, spotAt, type SourceSpot } from "./frames.js";
import type { Timings } from "../timings.js";

/** The user's code threw while it was being imported, or exports no stack. */
export class StackLoadError extends Error {
  override readonly name = "StackLoadError";
  constructor(
    message: string,
    readonly spot: SourceSpot | undefined,
    readonly fix: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/**
 * Compiles one of the user's files (see compile.ts), imports it, and
 * returns its default export. `what` names it in errors: "the stack",
 * "jiti.config.ts". An error while importing points at the user's line.
 */
export async function importUserFile(path: string, what: string, timings?: Timings): Promise<unknown> {
  const outdir = cacheDir(path);
  const compiled = await compileStack(path, outdir ?? dirname(path));
  timings?.lap("compile");
  const url = await place(path, compiled, outdir);
  const exported = await importCompiled(url, compiled, what);
  timings?.lap("import");
  return exported;
}

/**
 * A module that imports npm packages must sit where Node resolves them: in
 * the nearest node_modules above the stack, under .cache/jiti (as Vite keeps
 * node_modules/.vite). Without such imports it needs no file at all.
 */
function cacheDir(stackFile: string): string | undefined {
  for (let dir = dirname(stackFile); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules"))) return join(dir, "node_modules", ".cache", "jiti");
    if (dirname(dir) === dir) return undefined;
  }
}

/** The URL to import the compiled stack from: a data: URL, or a file where its npm imports resolve. */
async function place(stackFile: string, compiled: Compiled, outdir: string | undefined): Promise<string> {
  if (compiled.packages.length === 0) return `data:text/javascript;base64,${Buffer.from(compiled.code).toString("base64")}`;
  if (!outdir) {
    // Node resolves npm imports from a node_modules folder above the file: there is none.
    const shown = relative(process.cwd(), stackFile) || stackFile;
    throw new StackLoadError(
      `${shown} imports ${compiled.packages.map((p) => `"${p}"`).join(", ")}, but there is no node_modules folder above it to import from`,
      undefined,
      `Install ${compiled.packages.length === 1 ? "it" : "them"} beside the file: npm install ${compiled.packages.join(" ")}`,
    );
  }
  // `stack-<which stack>-<which version>.mjs`: stacks of one name in
  // different folders of a monorepo share this folder.
  const hash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 10);
  const prefix = `${basename(stackFile).replace(/\.[^.]+$/, "")}-${hash(stackFile)}-`;
  const file = join(outdir, `${prefix}${hash(compiled.code)}.mjs`);
  if (!existsSync(file)) {
    await mkdir(outdir, { recursive: true });
    await writeFile(file, compiled.code);
    // Older versions of the same stack are stale.
    for (const other of await readdir(outdir)) {
      if (other.startsWith(prefix) && join(outdir, other) !== file) await rm(join(outdir, other), { force: true });
    }
  }
  return pathToFileURL(file).href;
}

async function importCompiled(url: string, compiled: Compiled, what: string): Promise<unknown> {
  try {
    const module = (await import(url)) as { default?: unknown };
    return module.default;
  } catch (error) {
    const frames = mapFrames(error, url, compiled);
    const user = frames.find((f) => compiled.inputs.includes(f.path));
    const message = error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
    const missing = (error as { code?: string }).code === "ERR_MODULE_NOT_FOUND";
    throw new StackLoadError(
      `${what} threw while loading: ${message}`,
      user ? spotAt(user.path, user.line, user.column) : undefined,
      missing ? "Install the package in the stack's project (npm install …), or fix the import" : "Fix the code at that line",
      error,
    );
  }
}
