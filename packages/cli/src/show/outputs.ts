import type { JsonObject } from "@jiti/reconciler";
import type { Colors } from "../ui.js";

/**
 * What each element exposes after an apply (ids, addresses), one element
 * per line: `Vpc:main  id = "vpc-0abc"  cidr = "10.0.0.0/16"`.
 */
export function outputsText(outputs: Record<string, JsonObject>, c: Colors): string {
  const paths = Object.keys(outputs).sort();
  if (paths.length === 0) return "";
  const width = Math.max(...paths.map((p) => p.length));
  const lines = paths.map((path) => {
    const values = Object.entries(outputs[path]!).map(([key, value]) => `${c.dim(key)} = ${JSON.stringify(value)}`);
    return `  ${path.padEnd(width)}  ${values.join("  ")}`;
  });
  return [`\n${c.bold("Outputs:")}`, ...lines].join("\n");
}
