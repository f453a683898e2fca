import type * as Esbuild from "esbuild";
import { readFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { extname, isAbsolute, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { REGISTRY, isModuleName, loadModule, MODULE_NAMES } from "./modules.js";

export interface Compiled {
  /** The stack as one ES module. */
  code: string;
  /** Its source map (JSON), with sources relative to `outdir`: stack traces are mapped with it on an error. */
  map: string;
  outdir: string;
  /** Bare imports left to Node (npm packages): the module must be written where they resolve. */
  packages: string[];
  /** Absolute paths of the user's files bundled in, for finding them in stack traces. */
  inputs: string[];
}

/** esbuild found errors in the user's code: syntax, a missing file, an unknown export. */
export class CompileError extends Error {
  override readonly name = "CompileError";
  constructor(readonly messages: readonly Esbuild.Message[]) {
    super(messages.map((m) => m.text).join("\n"));
  }
}

const JITI_NAMESPACE = "jiti-cli-module";
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Compiles `stack.tsx` and the user's own modules it imports into one ES
 * module with esbuild (the compiler tsx uses), driven from this process
 * rather than through a second Node process:
 * - JSX through `@jiti/jsx-runtime`'s `jsxDEV`, so every element knows its
 *   file:line (paths relative to the current folder, like render's errors);
 * - each file's nearest tsconfig.json honoured (paths, baseUrl, target…), as
 *   esbuild discovers them itself;
 * - `@jiti/*` served from the CLI's own modules (one copy of jiti);
 * - npm packages left as imports for Node to resolve.
 * Type errors are not checked, as with tsx: run `tsc` for those.
 */
export async function compileStack(file: string, outdir: string): Promise<Compiled> {
  const esbuild = await import("esbuild");
  const cwd = process.cwd();
  let result: Esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [file],
      absWorkingDir: cwd,
      // Where the module will be written: source map paths are relative to it.
      outdir,
      bundle: true,
      write: false,
      metafile: true,
      platform: "node",
      format: "esm",
      target: `node${process.versions.node}`,
      jsx: "automatic",
      jsxDev: true,
      jsxImportSource: "@jiti/jsx-runtime",
      packages: "external",
      // Not inline: Node maps stack traces only for modules loaded from files
      // (not data: URLs), and only at a cost for every module loaded after.
      // _load-stack.ts maps the few frames it shows itself.
      sourcemap: "external",
      sourcesContent: false,
      logLevel: "silent",
      plugins: [jitiModules(), importMeta()],
    });
  } catch (error) {
    const failure = error as Partial<Esbuild.BuildFailure>;
    if (Array.isArray(failure.errors)) throw new CompileError(failure.errors.map(withoutNamespace));
    throw error;
  }
  const output = result.outputFiles.find((f) => f.path.endsWith(".js"));
  const map = result.outputFiles.find((f) => f.path.endsWith(".js.map"));
  if (!output || !map) throw new Error(`jiti: internal error: esbuild produced no module for ${file}`);
  const packages = new Set<string>();
  for (const out of Object.values(result.metafile.outputs)) {
    for (const imported of out.imports) if (imported.external && !isBuiltin(imported.path)) packages.add(imported.path);
  }
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => !input.includes(":"))
    .map((input) => resolve(cwd, input));
  return { code: output.text, map: map.text, outdir, packages: [...packages], inputs };
}

/**
 * Resolves every `@jiti/*` import to a module that re-exports the CLI's own
 * copy, read from the registry on `globalThis` (see modules.ts). Export names
 * are listed at compile time, so importing a name jiti does not have is an
 * esbuild error at the user's line, like any other missing export.
 */
function jitiModules(): Esbuild.Plugin {
  return {
    name: "jiti-modules",
    setup(build) {
      build.onResolve({ filter: /^@jiti\// }, (args) => {
        if (isModuleName(args.path)) return { path: args.path, namespace: JITI_NAMESPACE };
        return {
          errors: [
            {
              text: `"${args.path}" is not a module of jiti`,
              notes: [{ text: `jiti provides ${MODULE_NAMES.map((n) => `"${n}"`).join(", ")}.` }],
            },
          ],
        };
      });
      build.onLoad({ filter: /.*/, namespace: JITI_NAMESPACE }, async (args) => {
        if (!isModuleName(args.path)) return undefined;
        const module = await loadModule(args.path);
        const names = Object.keys(module).filter((name) => IDENTIFIER.test(name) && name !== "default");
        const lines = [`const m = globalThis[Symbol.for(${JSON.stringify(REGISTRY.description)})].get(${JSON.stringify(args.path)});`];
        if (names.length > 0) lines.push(`export const { ${names.join(", ")} } = m;`);
        if ("default" in module) lines.push("export default m.default;");
        return { contents: lines.join("\n"), loader: "js" };
      });
    },
  };
}

/**
 * Bundling moves every file's code into one module, which would make
 * `import.meta.url` (and dirname, filename) point at the compiled module.
 * Gives each of the user's own files its real values back.
 */
function importMeta(): Esbuild.Plugin {
  return {
    name: "jiti-import-meta",
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`) || !isAbsolute(args.path)) return undefined;
        const text = await readFile(args.path, "utf8");
        if (!text.includes("import.meta")) return undefined;
        const values: Record<string, string> = {
          "import.meta.url": pathToFileURL(args.path).href,
          "import.meta.filename": args.path,
          "import.meta.dirname": resolve(args.path, ".."),
        };
        const contents = text.replace(/\bimport\.meta\.(url|filename|dirname)\b/g, (match) => JSON.stringify(values[match]));
        return { contents, loader: loaderOf(args.path) };
      });
    },
  };
}

/** `No matching export in "jiti-cli-module:@jiti/aws-particles"…`: the namespace is ours, not the user's. */
function withoutNamespace(message: Esbuild.Message): Esbuild.Message {
  return { ...message, text: message.text.replaceAll(`${JITI_NAMESPACE}:`, "") };
}

function loaderOf(path: string): Esbuild.Loader {
  const ext = extname(path);
  if (ext === ".tsx") return "tsx";
  if (ext === ".jsx") return "jsx";
  if (ext === ".ts" || ext === ".mts" || ext === ".cts") return "ts";
  return "js";
}
