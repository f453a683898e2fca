import type * as Esbuild from "esbuild";
import { existsSync, readFileSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { dirname, join } from "node:path";

/** A problem esbuild found, at a file relative to the entry's folder when it has one. */
export interface BundleMessage {
  text: string;
  file?: string;
  line?: number;
}

/**
 * The bundled app; with `external`, also the npm packages it imports, each at
 * the version the app's node_modules holds, for `npm install` at boot.
 */
export type BundleResult = { code: string; packages: Record<string, string> } | { errors: BundleMessage[] };

/**
 * esbuild is loaded on first use rather than imported: every `jiti` command
 * imports this package, and only stacks with a <NodeApp> need the bundler.
 */
function esbuild(): typeof Esbuild {
  return createRequire(import.meta.url)("esbuild") as typeof Esbuild;
}

/**
 * Bundles an app and everything it imports into one CommonJS file for the
 * Node.js the instance installs. CommonJS rather than ESM because bundled npm
 * packages often `require()` Node built-ins, which an ESM bundle cannot.
 * With `external`, only the app's own files are bundled and its npm
 * packages are left as `require()`s, listed with their installed versions.
 */
export function bundleNodeApp(entryFile: string, options: { external?: boolean } = {}): BundleResult {
  try {
    const result = esbuild().buildSync({
      entryPoints: [entryFile],
      // Module paths esbuild keeps in the output are relative to this folder:
      // the entry's own, so the bundle is the same whatever the current folder.
      absWorkingDir: dirname(entryFile),
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      minify: true,
      sourcemap: false,
      legalComments: "none",
      write: false,
      metafile: options.external === true,
      ...(options.external ? { packages: "external" as const } : {}),
      logLevel: "silent",
      // `import.meta` is empty in CommonJS; give apps written as ESM the
      // values they would have had, relative to the bundle.
      define: {
        "import.meta.url": "__jiti_import_meta_url",
        "import.meta.dirname": "__dirname",
        "import.meta.filename": "__filename",
      },
      banner: { js: 'var __jiti_import_meta_url=require("url").pathToFileURL(__filename).href;' },
    });
    const output = result.outputFiles[0];
    if (!output) return { errors: [{ text: "esbuild produced no output" }] };
    if (!result.metafile) return { code: output.text, packages: {} };
    const names = new Set<string>();
    for (const out of Object.values(result.metafile.outputs))
      for (const imported of out.imports) if (imported.external && !isBuiltin(imported.path)) names.add(packageName(imported.path));
    const packages: Record<string, string> = {};
    const missing: BundleMessage[] = [];
    for (const name of [...names].sort()) {
      const version = installedVersion(name, dirname(entryFile));
      if (version) packages[name] = version;
      else
        missing.push({
          text: `the app imports "${name}", which is not installed in its node_modules: run npm install in the app's folder, or add "${name}" to its dependencies`,
        });
    }
    return missing.length > 0 ? { errors: missing } : { code: output.text, packages };
  } catch (error) {
    const failure = error as Partial<Esbuild.BuildFailure>;
    if (!Array.isArray(failure.errors)) throw error;
    return {
      errors: failure.errors.map((m) => ({
        text: m.text,
        ...(m.location ? { file: m.location.file, line: m.location.line } : {}),
      })),
    };
  }
}

/** `express` of `express/lib/router`, `@scope/pkg` of `@scope/pkg/sub`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/**
 * The version of `name` that Node would load from `folder`: its
 * package.json in the nearest node_modules up the tree. Read from the file
 * rather than resolved, since a package's exports need not list its
 * package.json.
 */
function installedVersion(name: string, folder: string): string | undefined {
  for (let dir = folder; ; dir = dirname(dir)) {
    const manifest = join(dir, "node_modules", name, "package.json");
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, "utf8")) as { version?: string }).version;
    if (dirname(dir) === dir) return undefined;
  }
}
