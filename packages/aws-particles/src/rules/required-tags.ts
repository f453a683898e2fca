import type { Finding, Rule } from "@jiti/reconciler";

/**
 * Every resource carries these tags (the stack's own count): what cost
 * reports and owners' lookups rely on, with a value that is not empty.
 * Configured with the keys, e.g. in `jiti.config.ts`: `rules:
 * [requiredTags(["team", "cost-center"])]`; a second set needs its own id,
 * `requiredTags(["owner"], { id: "owner-tag" })`.
 */
export function requiredTags(keys: readonly string[], options: { id?: string; severity?: Rule["severity"] } = {}): Rule {
  return {
    // Another id lets a configuration require several sets (an organisation's and a team's).
    id: options.id ?? "required-tags",
    severity: options.severity ?? "error",
    description: `Every resource is tagged ${keys.join(", ")}, so that its cost and its owner can be found`,
    fix: `Tag the stack: <Stack tags={{ ${keys.map((k) => `${JSON.stringify(k)}: "…"`).join(", ")} }}>`,
    check(tree) {
      return tree.nodes.flatMap((node): Finding[] => {
        const tags = node.props.tags;
        if (node.existing || typeof tags !== "object" || tags === null || Array.isArray(tags)) return [];
        // An empty value tells as little as none.
        const missing = keys.filter(
          (key) => typeof (tags as Record<string, unknown>)[key] !== "string" || (tags as Record<string, string>)[key]!.trim() === "",
        );
        if (missing.length === 0) return [];
        return [
          {
            node,
            message: `is missing the required tag${missing.length === 1 ? "" : "s"} ${missing.join(", ")}`,
            found: Object.keys(tags).sort(),
            fix: `Add ${missing.map((k) => JSON.stringify(k)).join(", ")} to the <Stack>'s tags (or a <Tags> around it, or its own tags)`,
          },
        ];
      });
    },
  };
}
