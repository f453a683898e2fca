/**
 * Some attributes are not returned by the one list call per kind (a VPC's
 * DNS settings, an instance's user data). Reading them would cost one call
 * per resource on every plan, so jiti records what it applied in a
 * `jiti:attrs` tag and compares against that. The trade-off: a change made
 * outside jiti to such an attribute is not seen as drift, unless the run
 * asks for it (`refreshAttrs`, `jiti plan --refresh-attrs`): then the
 * particles' `refresh` reads those attributes, resource by resource.
 */
export const ATTRS_TAG = "jiti:attrs";

export function attrsTag(attrs: Record<string, string | number | boolean>): Record<string, string> {
  const sorted = Object.fromEntries(Object.entries(attrs).sort(([a], [b]) => a.localeCompare(b)));
  return { [ATTRS_TAG]: JSON.stringify(sorted) };
}

export function readAttrs(tags: Record<string, string>): Record<string, unknown> {
  try {
    const value = JSON.parse(tags[ATTRS_TAG] ?? "{}") as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
