import { createHash } from "node:crypto";
import type { Json } from "./particle.js";

/** `sha256:<first 16 hex>` of a value: strings as they are, anything else as canonical JSON. */
export function digest(value: Json | undefined): string {
  const text = typeof value === "string" ? value : canonicalJson(value ?? null);
  return `sha256:${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
}

/** JSON with object keys sorted, so equal values have equal text. */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k]!)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}
