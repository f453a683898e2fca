import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import jsxRuntime from "@jiti/jsx-runtime/package.json" with { type: "json" };
import particles from "@jiti/aws-particles/package.json" with { type: "json" };
import reconciler from "@jiti/reconciler/package.json" with { type: "json" };

/**
 * The jiti packages bundled into this CLI, which serve every `@jiti/*`
 * import of a `stack.tsx` (see compile.ts), with their versions.
 */
const BUNDLED: Readonly<Record<string, string>> = {
  [particles.name]: particles.version,
  [reconciler.name]: reconciler.version,
  [jsxRuntime.name]: jsxRuntime.version,
};

/** A jiti package the app installed at another version than the one this CLI runs its stack with. */
export interface VersionSkew {
  name: string;
  /** What the app installed: what its editor and `tsc` check stack.tsx against. */
  installed: string;
  /** What this CLI bundles: what runs. */
  bundled: string;
}

/**
 * The jiti packages installed beside the stack file (as Node would find them
 * from its folder) whose version differs from the CLI's own copy. A stack
 * runs with the CLI's copy either way; a skew means the types the user's
 * editor shows are not those of the code that runs.
 */
export function versionSkews(file: string): VersionSkew[] {
  const from = createRequire(resolve(file));
  const skews: VersionSkew[] = [];
  for (const [name, bundled] of Object.entries(BUNDLED)) {
    let installed: string | undefined;
    try {
      installed = (JSON.parse(readFileSync(from.resolve(`${name}/package.json`), "utf8")) as { version?: string }).version;
    } catch {
      // Not installed (a stack tried without an app around it), or unreadable: nothing to compare.
      continue;
    }
    if (installed !== undefined && installed !== bundled) skews.push({ name, installed, bundled });
  }
  return skews;
}

/** The warning for skews, one paragraph, with the fix. */
export function skewWarning(skews: readonly VersionSkew[], cliVersion: string): string {
  const list = skews.map((s) => `${s.name} ${s.installed} is installed, this jiti runs ${s.bundled}`).join("; ");
  const wanted = skews[0]!.installed;
  return (
    `warning: the app's jiti packages are not the versions this jiti CLI (${cliVersion}) runs the stack with (${list}). ` +
    "stack.tsx is type-checked against the installed ones but runs with the CLI's own. " +
    `Install matching versions: \`npm install -D @jiti/cli@${wanted}\` (or the packages at ${skews[0]!.bundled}).`
  );
}
