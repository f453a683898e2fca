/**
 * Bundles the CLI with its workspace packages and the AWS SDK into dist/.
 *
 * Why bundled: importing @aws-sdk/client-ec2 and client-iam as installed
 * (hundreds of files) costs ~0.35 s and 140 MB; the same code bundled loads
 * in ~0.12 s and 74 MB (DESIGN.md, "Start-up cost").
 *
 * Why split: main.ts imports the commands with `import()` once --version is
 * answered, and the particles (with the AWS SDK) are imported only when a
 * command loads a stack (src/load/_modules.ts), so `jiti --help` and
 * `--version` load no SDK at all. Each dynamic import becomes a chunk.
 *
 *   node build.mjs             build once
 *   node build.mjs --if-stale  build unless dist/ is newer than its sources (the pack's build)
 *   node build.mjs --watch     rebuild on change
 */
import * as esbuild from "esbuild";
import { rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isStale } from "./stale.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "dist");

/**
 * Lets esbuild drop the AWS SDK's unused API shapes. A client's
 * `schemas_0.js` describes every shape of its service (EC2: 1.3 MB) as
 * `export var X$ = [...]`, which tree shaking would drop, but the shapes use
 * computed keys (`{ [_xN]: "Min" }`) whose key is a `const` esbuild does not
 * inline in that file (it has side effects: the error registry), and a
 * computed key might call a toString(), so every shape is kept. Writing the
 * const's string in place of the key is the same object, and esbuild then
 * keeps only the shapes jiti's commands reach: the particles' chunk goes
 * from 1.6 MB to 0.95 MB, and loading it from ~110 ms and 80 MB to ~50 ms
 * and 53 MB. If a new SDK version writes the file differently, nothing is
 * rewritten and the bundle is merely larger.
 */
const shakeSdkSchemas = {
  name: "shake-sdk-schemas",
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      const strings = new Map();
      for (const [, name, value] of text.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)) strings.set(name, value);
      const contents = text.replace(/\[(_\w+)\]:/g, (key, name) => (strings.has(name) ? `${strings.get(name)}:` : key));
      return { contents, loader: "js" };
    });
  },
};

/** @type {esbuild.BuildOptions} */
const options = {
  absWorkingDir: here,
  entryPoints: { jiti: "src/main.ts" },
  outdir,
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // The SDK ships ES modules beside CommonJS; ESM shakes better and needs no require shim.
  mainFields: ["module", "main"],
  // The workspace packages from their sources (their exports' "jiti-source"): no build of theirs comes first.
  conditions: ["jiti-source"],
  // esbuild is a native binary driven over a pipe: it cannot be bundled, and
  // the stack loader and <NodeApp> load it from node_modules when they need it.
  external: ["esbuild"],
  // A CommonJS dependency that still calls require() for a Node built-in needs one in ESM.
  banner: {
    js: 'import { createRequire as __jitiCreateRequire } from "node:module"; const require = __jitiCreateRequire(import.meta.url);',
  },
  minifySyntax: true,
  minifyWhitespace: true,
  // Read only with --debug (bin/jiti.js turns source maps on), to show stack traces in our sources.
  sourcemap: "linked",
  sourcesContent: false,
  legalComments: "eof",
  metafile: true,
  logLevel: "warning",
  plugins: [shakeSdkSchemas],
};

if (process.argv.includes("--if-stale") && !isStale()) {
  console.log("@jiti/cli: dist/ is up to date");
} else if (process.argv.includes("--watch")) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log("watching packages/cli/src and the workspace packages…");
} else {
  rmSync(outdir, { recursive: true, force: true });
  const result = await esbuild.build(options);
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  console.log(
    `@jiti/cli: built dist/jiti.mjs and ${Object.keys(result.metafile.outputs).length - 1} more files (${(bytes / 1e6).toFixed(1)} MB)`,
  );
}
