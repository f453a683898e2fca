import { readdirSync, watch, type FSWatcher } from "node:fs";
import { join, relative } from "node:path";

/** Folders whose files are never a stack's sources: what a save there does is not the user's edit. */
const IGNORED = new Set(["node_modules", ".git"]);

/**
 * Watches every folder under `root` (but node_modules and dot-folders), one
 * watch per folder rather than per file: a save that replaces the file (a
 * new file renamed over the old, as `sed -i` and many editors save) is seen
 * like any other, then and on every later save. `onChange` gets the path
 * relative to `root`. Folders made later are watched from the next change.
 */
export function watchTree(root: string, onChange: (file: string) => void): { close(): void } {
  const watchers = new Map<string, FSWatcher>();
  const scan = (dir: string) => {
    if (!watchers.has(dir)) {
      try {
        watchers.set(
          dir,
          watch(dir, (_event, name) => {
            if (name === null) return;
            onChange(relative(root, join(dir, name)));
            // A folder made or renamed in it is watched too.
            scan(dir);
          }),
        );
      } catch {
        // Gone meanwhile: nothing to watch.
        return;
      }
    }
    let entries: string[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !IGNORED.has(e.name) && !e.name.startsWith("."))
        .map((e) => e.name);
    } catch {
      return;
    }
    for (const name of entries) scan(join(dir, name));
  };
  scan(root);
  return {
    close() {
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
