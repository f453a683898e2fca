import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { graph, renderStack } from "@jiti/reconciler";
import { CliError } from "../cli-error.js";
import { defineJitiCommand } from "../command.js";
import { loadedStack } from "../load/index.js";
import { outputArgs, stackArgs } from "../options.js";
import { dotText, graphJson, mermaidText } from "../show/graph.js";

export const graphCommand = defineJitiCommand({
  meta: { name: "graph", description: "Print the dependency graph as Mermaid or DOT, or draw it as SVG (no AWS calls)" },
  args: {
    ...stackArgs,
    format: {
      type: "enum",
      options: ["mermaid", "dot", "svg"],
      default: "mermaid",
      description: "Mermaid or Graphviz DOT text, or an SVG picture (needs Graphviz)",
    },
    output: {
      type: "string",
      alias: "o",
      valueHint: "file",
      description: "Write to this file (default for svg: <stack>.svg; else stdout)",
    },
    ...outputArgs,
  },
  async run(cli, flags) {
    const { ui } = cli;
    const { element, options } = await loadedStack(cli, flags);
    const { tree, particles } = renderStack(element, options);
    // Weak references (a security group's rules) order no creation and make no cycle.
    const g = graph(tree, { weakRefs: (type) => particles.get(type)?.weakRefs });
    if (ui.json) {
      ui.emit("graph", graphJson(tree, g));
      return 0;
    }
    const format = flags.format ?? "mermaid";
    const text = format === "mermaid" ? mermaidText(tree, g) : dotText(tree, g);
    if (format !== "svg") {
      if (flags.output) await writeFile(flags.output, text);
      else ui.print(text.trimEnd());
      return 0;
    }
    const file = flags.output ?? `${tree.stack || "stack"}.svg`;
    await writeFile(file, await drawSvg(text));
    ui.print(`Wrote ${file}`);
    return 0;
  },
});

/** Runs Graphviz's `dot`, which draws DOT text as SVG. */
function drawSvg(dot: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.JITI_DOT ?? "dot", ["-Tsvg"], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "ENOENT"
          ? new CliError(
              "drawing SVG needs Graphviz's `dot`, which is not installed",
              "Install Graphviz (`apt-get install graphviz`, or `brew install graphviz` on macOS), or use --format mermaid or --format dot",
            )
          : error,
      );
    });
    child.once("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
      else
        reject(
          new CliError(
            `Graphviz's dot failed (exit code ${code}): ${Buffer.concat(err).toString("utf8").trim()}`,
            "Check the Graphviz installation",
          ),
        );
    });
    child.stdin.on("error", () => {
      // dot may exit before reading all of stdin; its exit code tells what happened.
    });
    child.stdin.end(dot);
  });
}
