import { describeChild } from "@jiti/jsx-runtime";
import type { Issue } from "@jiti/reconciler";
import { defineStep } from "./_step.js";

type Text = string | number;

/** Props of `<Run>`: give the command as `command` or as text children, not both. */
export interface RunProps {
  /**
   * Bash to run at this point of the boot script, as root. It runs in the
   * script itself, under `set -euo pipefail`: a failing command stops the
   * boot. Multi-line commands are fine (use a template string).
   */
  command?: string;
  /** The command as text instead of `command`: `<Run>systemctl restart nginx</Run>`. */
  children?: Text | readonly Text[];
}

/** Runs a shell command at boot. */
export const Run = defineStep<RunProps>({
  name: "Run",
  props: ["command", "children"],
  children: "text",
  check(props) {
    const issues: Issue[] = [];
    const hasChildren = props.children !== undefined;
    if (props.command !== undefined && hasChildren) {
      issues.push({
        message: "the command is given twice, as the command prop and as children",
        found: { command: props.command, children: props.children },
        fix: "Keep one of them",
      });
      return issues;
    }
    if (props.command !== undefined && typeof props.command !== "string") {
      issues.push({ message: "command must be a string", found: props.command, fix: 'Use command="systemctl restart nginx"' });
      return issues;
    }
    if (hasChildren && commandText(props) === undefined) {
      issues.push({
        message: "children must be the command as text",
        found: describeChild(props.children),
        fix: 'Write <Run>echo hello</Run>, or pass command="…"',
      });
      return issues;
    }
    const command = commandText(props);
    if (command === undefined || command.trim() === "") {
      issues.push({
        message: "the command is empty",
        found: command ?? null,
        fix: 'Write the command as children, <Run>echo hello</Run>, or as command="…"',
      });
    } else if (command.includes("\0")) {
      issues.push({ message: "the command contains a NUL character", found: command, fix: "Remove it" });
    }
    return issues;
  },
  label: () => "",
  steps: (props) => [{ kind: "run", command: commandText(props)! }],
});

/** The command, from the prop or from text children (joined as JSX text is). */
function commandText(props: RunProps): string | undefined {
  if (props.command !== undefined) return props.command;
  const parts = Array.isArray(props.children) ? props.children : [props.children];
  if (!parts.every((p) => typeof p === "string" || typeof p === "number")) return undefined;
  return parts.join("");
}
