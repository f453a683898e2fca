/**
 * Every name a published entry point exports carries JSDoc: it is what a
 * user sees in their editor on hover and completion, and the only place
 * they are told units, defaults and when a call throws.
 *
 * The entry points are read from the packages' `exports` maps: each target
 * with an "import" condition is published, and its "jiti-source" condition
 * names the file it is built from. Targets without "import" (the CLI's,
 * `@jiti/reconciler/internal`) are workspace-only and not held to this.
 *
 * A name passes when its own declaration has a JSDoc comment with text (a
 * bare `@deprecated` is no doc). For an interface or type alias, documented
 * members do not stand in for the name's own line; nor, for the first
 * declaration of a file, does the file's comment above it. A re-export that renames
 * (`PolicyStatement as DeployPolicyStatement`) is served by the doc of the
 * declaration it points at.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, posix, relative } from "node:path";
import ts from "typescript";
import { describe, expect, test } from "vitest";

const ROOT = join(import.meta.dirname, "..");

interface Entry {
  /** The specifier a user imports: `@jiti/reconciler/particle`. */
  specifier: string;
  /** Absolute path of the source file the entry is built from. */
  file: string;
}

type ExportTarget = string | null | { [condition: string]: ExportTarget };

/** The published entry points of every workspace package, from their `exports` maps. */
function publishedEntries(): Entry[] {
  return readdirSync(join(ROOT, "packages")).flatMap((dir) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "packages", dir, "package.json"), "utf8")) as {
      name: string;
      exports?: Record<string, ExportTarget>;
    };
    return Object.entries(manifest.exports ?? {}).flatMap(([subpath, target]) => {
      if (typeof target !== "object" || target === null || !("import" in target)) return [];
      const source = target["jiti-source"];
      if (typeof source !== "string") {
        throw new Error(`packages/${dir}/package.json: exports["${subpath}"] has "import" but no "jiti-source" path to read its docs from`);
      }
      return [{ specifier: posix.join(manifest.name, subpath), file: join(ROOT, "packages", dir, source) }];
    });
  });
}

/** One program, from the workspace's compiler options, rooted at `files`. */
function programOf(files: readonly string[]): ts.Program {
  const configPath = join(ROOT, "tsconfig.json");
  const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT, undefined, configPath);
  // The docs are in the workspace's sources (its packages resolve to their
  // real paths under packages/). What node_modules declares, the AWS SDK's
  // tens of megabytes above all, says nothing about them and would take
  // seconds to parse, so each of its files reads as an empty module.
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) =>
    fileName.includes("/node_modules/")
      ? ts.createSourceFile(fileName, "export {};", languageVersion)
      : getSourceFile(fileName, languageVersion, ...rest);
  return ts.createProgram({ rootNames: files, options, host });
}

/**
 * Whether `declaration` has a JSDoc block of its own. A block a blank line
 * away is its file's comment (particle.ts's "The particle contract."), which
 * TypeScript hands to the first declaration after it all the same.
 */
function hasOwnJsDoc(declaration: ts.Declaration): boolean {
  const doc = ts.getJSDocCommentsAndTags(declaration).filter(ts.isJSDoc).at(-1);
  if (!doc) return false;
  const between = doc.getSourceFile().text.slice(doc.end, doc.parent.getStart());
  return !/\n[ \t]*\r?\n/.test(between);
}

/** `entry: name (file:line)` for each name an entry exports without JSDoc. */
function undocumented(entries: readonly Entry[]): { names: string[]; counted: number } {
  const program = programOf(entries.map((e) => e.file));
  const checker = program.getTypeChecker();
  const names: string[] = [];
  let counted = 0;
  for (const entry of entries) {
    const source = program.getSourceFile(entry.file);
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`${entry.specifier}: ${relative(ROOT, entry.file)} is not a module the program could read`);
    for (const exported of checker.getExportsOfModule(module)) {
      counted++;
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      // Only the declaration's own comment: TypeScript never hands an
      // interface or type alias the comments of its members.
      const documented = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() !== "";
      if (documented && symbol.declarations?.some(hasOwnJsDoc)) continue;
      const where = symbol.declarations?.[0];
      const at = where
        ? `${relative(ROOT, where.getSourceFile().fileName)}:${where.getSourceFile().getLineAndCharacterOfPosition(where.getStart()).line + 1}`
        : "no declaration";
      names.push(`${entry.specifier}: ${exported.name} (${at})`);
    }
  }
  return { names, counted };
}

describe("API docs", () => {
  test("the entry points are read from the exports maps", () => {
    const specifiers = publishedEntries().map((e) => e.specifier);
    for (const expected of [
      "@jiti/jsx-runtime/jsx-runtime",
      "@jiti/reconciler",
      "@jiti/reconciler/particle",
      "@jiti/aws-particles/errors",
    ]) {
      expect(specifiers).toContain(expected);
    }
    // Workspace-only targets have no "import" condition.
    expect(specifiers).not.toContain("@jiti/reconciler/internal");
  });

  test("every name a published entry point exports has JSDoc", { timeout: 60_000 }, () => {
    const { names, counted } = undocumented(publishedEntries());
    // The check reads real exports, not an empty module.
    expect(counted).toBeGreaterThan(100);
    expect(names, `names without JSDoc; write a /** … */ line on each declaration:\n${names.join("\n")}\n`).toEqual([]);
  });
});
