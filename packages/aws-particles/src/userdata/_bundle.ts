import type * as Esbuild from "esbuild";
import { createRequire } from "node:module";
import { dirname } from "node:path";

/** A problem esbuild found, at a file relative to the entry's folder when it has one. */
export interface BundleMessage {
  text: string;
  file?: string;
  line?: number;
}

export type BundleResult = { code: string } | { errors: BundleMessage[] };

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
 */
export function bundleNodeApp(entryFile: string): BundleResult {
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
    return { code: output.text };
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
