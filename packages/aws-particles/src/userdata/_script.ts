import type { FileStep, Step } from "./_step.js";

/**
 * Steps → one bash script. Pure and deterministic: the same steps give the
 * same bytes, because the script's hash is what the plan compares.
 */

/** The steps of one element, under one comment line. */
export interface StepGroup {
  /** `<File> /etc/app.conf`: the comment line above the group's commands. */
  label: string;
  steps: Step[];
}

export interface ScriptOptions {
  /** Echo every command to the boot log (`set -x`). */
  trace: boolean;
}

export interface RenderedScript {
  text: string;
  /** Bytes each group adds to the script, in group order, for the size error. */
  groupBytes: number[];
}

const HEADER = ["#!/bin/bash", "# Boot script rendered by jiti from userData JSX: change the JSX, not this script."];

/**
 * Installs packages with whichever manager the image has. Amazon Linux 2023
 * has dnf; Ubuntu has apt-get, whose package lists are empty on a fresh
 * instance until the first `apt-get update`, so that runs once.
 */
const INSTALL_FUNCTION = `jiti_install() {
  if command -v dnf >/dev/null 2>&1; then
    dnf install -y "$@"
  elif command -v apt-get >/dev/null 2>&1; then
    if [ -z "\${JITI_APT_UPDATED:-}" ]; then
      apt-get update -y
      JITI_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
  else
    echo "jiti: found neither dnf nor apt-get, so cannot install: $*" >&2
    return 1
  fi
}`;

export function renderScript(groups: readonly StepGroup[], options: ScriptOptions): RenderedScript {
  const installed = new Set<string>();
  const bodies = groups.map((group) => {
    const lines = [`# ${group.label}`];
    for (const step of group.steps) lines.push(...stepLines(step, installed));
    return lines.join("\n") + "\n";
  });
  const preamble = [...HEADER, options.trace ? "set -euxo pipefail" : "set -euo pipefail"].join("\n") + "\n";
  const needsInstall = groups.some((g) => g.steps.some((s) => s.kind === "packages"));
  const parts = [preamble, ...(needsInstall ? [INSTALL_FUNCTION + "\n"] : []), ...bodies];
  return {
    text: parts.join("\n"),
    groupBytes: bodies.map((b) => Buffer.byteLength(b, "utf8") + 1),
  };
}

function stepLines(step: Step, installed: Set<string>): string[] {
  switch (step.kind) {
    case "run":
      return [step.command.replace(/\n+$/, "")];
    case "packages": {
      // Installing twice is harmless but slow: later requests for a package skip it.
      const names = step.names.filter((n) => !installed.has(n));
      for (const n of names) installed.add(n);
      return names.length > 0 ? [`jiti_install ${names.map(shellQuote).join(" ")}`] : [];
    }
    case "file":
      return fileLines(step);
  }
}

/**
 * Creating the file empty with its mode first, then filling it, means a
 * secret (mode 0600) is never readable by others, even for a moment:
 * redirecting into an existing file keeps its permissions.
 */
function fileLines(step: FileStep): string[] {
  const path = shellQuote(step.path);
  const lines = [`install -D -m ${step.mode} /dev/null ${path}`];
  if ("gzip" in step.body) {
    const data = Buffer.from(step.body.gzip).toString("base64");
    const end = heredocDelimiter(data);
    lines.push(`base64 -d <<'${end}' | gunzip > ${path}`, data, end);
  } else if (step.body.text !== "") {
    const text = step.body.text;
    const end = heredocDelimiter(text);
    // A heredoc ends every line with a newline; a text without a final one
    // gets it removed again so the file holds exactly the text.
    const closed = text.endsWith("\n") ? text : text + "\n";
    lines.push(`cat > ${path} <<'${end}'`, closed + end);
    if (!text.endsWith("\n")) lines.push(`truncate -s -1 ${path}`);
  }
  if (step.owner) lines.push(`chown ${shellQuote(step.owner)} ${path}`);
  return lines;
}

/**
 * A quoted heredoc (`<<'END'`) takes its body literally, with no expansion;
 * only a line equal to the delimiter ends it. A delimiter that does not occur
 * in the body at all cannot be matched by any of its lines.
 */
export function heredocDelimiter(body: string): string {
  let end = "JITI_EOF";
  for (let i = 1; body.includes(end); i++) end = `JITI_EOF_${i}`;
  return end;
}

/** Quotes a word for bash; plain words stay bare so the script reads naturally. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_/.,:@%+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
