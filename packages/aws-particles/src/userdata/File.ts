import type { JsonObject } from "@jiti/reconciler";
import { checkFields } from "@jiti/reconciler/particle";
import { absolutePath, octalMode, owner } from "./_checks.js";
import { defineStep } from "./_step.js";

/** Props of `<File>`: a file written on the instance at boot. */
export interface FileProps {
  /** Absolute path on the instance, e.g. `"/etc/app/config.json"`. Missing folders are created. */
  path: string;
  /**
   * The file's exact content. Written with a quoted heredoc, so `$`, quotes and
   * backslashes stay as they are; a missing final newline stays missing.
   */
  content: string;
  /** Permissions as an octal string, e.g. `"0600"` for a secret. Set before the content is written. @default "0644" */
  mode?: string;
  /** Owner as `chown` takes it: `"app"` or `"app:app"`. The user must exist by then (a `<Service user>` before it creates one). @default root */
  owner?: string;
}

/** Writes a file on the instance at boot. */
export const File = defineStep<FileProps>({
  name: "File",
  props: ["path", "content", "mode", "owner"],
  children: "none",
  check(props) {
    return checkFields(props as unknown as JsonObject, {
      path: { check: absolutePath, required: true, example: '"/etc/app.conf"' },
      content: {
        check: (v, name) =>
          typeof v === "string" && !v.includes("\0")
            ? undefined
            : {
                message: `${name} must be a string without NUL characters`,
                found: v,
                fix: "Pass text; for binary data, write it base64-encoded and decode it with a <Run>",
              },
        required: true,
        example: '"PORT=80\\n"',
      },
      mode: { check: octalMode },
      owner: { check: owner },
    });
  },
  label: (props) => props.path,
  steps: (props) => [
    {
      kind: "file",
      path: props.path,
      mode: (props.mode ?? "0644").padStart(4, "0"),
      ...(props.owner ? { owner: props.owner } : {}),
      body: { text: props.content },
    },
  ],
});
