import { spanText } from "@jiti/reconciler";
import type { Colors } from "../ui.js";

/** `2026-12-04 07:45 UTC`: a lifetime tag's time, as people read it. */
export function utcText(iso: string): string {
  return iso.replace("T", " ").replace(/(:\d\d)?(\.\d+)?Z$/, " UTC");
}

/** `expires 2026-12-04 07:45 UTC (in 7h 59m)`, or, in yellow, `expired … (2h ago)`. */
export function expiresText(expires: string, c: Colors, now = Date.now()): string {
  const left = Date.parse(expires) - now;
  return left > 0 ? `expires ${utcText(expires)} (in ${spanText(left)})` : c.yellow(`expired ${utcText(expires)} (${spanText(-left)} ago)`);
}

/** `3d 4h ago`: how long ago a time was. */
export function agoText(iso: string, now = Date.now()): string {
  return `${spanText(now - Date.parse(iso))} ago`;
}
