import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
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
  const skews: VersionSkew[] = [];
  for (const [name, bundled] of Object.entries(BUNDLED)) {
    const installed = installedVersion(name, dirname(resolve(file)));
    if (installed !== undefined && installed !== bundled) skews.push({ name, installed, bundled });
  }
  return skews;
}

/**
 * The version of `name` Node would load from `folder`: its package.json in
 * the nearest node_modules up the tree. Read from the file rather than
 * resolved: a package's exports need not list its package.json.
 */
function installedVersion(name: string, folder: string): string | undefined {
  for (let dir = folder; ; dir = dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")) as { version?: string }).version;
    } catch {
      // Not installed here (or unreadable): look further up.
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** The warning for skews, one paragraph, with the fix. */
export function skewWarning(skews: readonly VersionSkew[], cliVersion: string): string {
  const list = skews.map((s) => `${s.name} ${s.installed} is installed, this jiti runs ${s.bundled}`).join("; ");
  const versions = new Set(skews.map((s) => s.installed));
  // One version installed: the CLI of that release bundles it. Several: bring each to the CLI's.
  const fix =
    versions.size === 1
      ? `\`npm install -D @jiti/cli@${[...versions][0]!}\` (or the packages at ${skews[0]!.bundled})`
      : `\`npm install -D ${skews.map((s) => `${s.name}@${s.bundled}`).join(" ")}\``;
  return (
    `warning: the app's jiti packages are not the versions this jiti CLI (${cliVersion}) runs the stack with (${list}). ` +
    `stack.tsx is type-checked against the installed ones but runs with the CLI's own. Install matching versions: ${fix}.`
  );
}
