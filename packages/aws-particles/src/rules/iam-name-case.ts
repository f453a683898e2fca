import type { Finding, Rule } from "@jiti/reconciler";
import { siblingsOf } from "./_tree.js";

/**
 * IAM names ignore case, and a role's or profile's name comes from the
 * element names along its path: two siblings whose names differ only in
 * case would get the same IAM name.
 */
export const iamNameCase: Rule = {
  id: "iam-name-case",
  severity: "error",
  mandatory: true,
  description: "Sibling IAM roles or instance profiles have names that differ in more than case",
  fix: "Give sibling roles and profiles names that differ in more than case",
  check(tree) {
    const findings: Finding[] = [];
    for (const type of ["aws.iam.Role", "aws.iam.InstanceProfile"]) {
      for (const node of tree.ofType(type)) {
        if (node.existing || node.name === undefined) continue;
        const mine = node.name.toLowerCase();
        const other = siblingsOf(tree, node).find((s) => s !== node && s.type === type && !s.existing && s.name?.toLowerCase() === mine);
        if (!other) continue;
        findings.push({
          node,
          message: `its name differs only in case from ${other.path}, and IAM names ignore case`,
          found: other.name ?? other.path,
          fix: "Give them names that differ in more than case",
        });
      }
    }
    return findings;
  },
};
