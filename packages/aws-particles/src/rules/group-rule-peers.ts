import type { Finding, Rule } from "@jiti/reconciler";
import { objectsIn } from "./_tree.js";

/**
 * A security group rule whose peer is a reference names a security group
 * (the group itself included: rules are added once the group exists).
 */
export const groupRulePeers: Rule = {
  id: "group-rule-peers",
  severity: "error",
  mandatory: true,
  description: "Security group rules that name a peer by reference name a <SecurityGroup>",
  fix: "Pass ref(SecurityGroup) bound to a <SecurityGroup> as a rule's peer",
  check(tree) {
    const findings: Finding[] = [];
    for (const node of tree.ofType("aws.ec2.SecurityGroup")) {
      if (node.existing) continue;
      for (const direction of ["ingress", "egress"] as const) {
        // Only rules in canonical form (`group` or `cidr`): a list with an invalid rule is left as written, and reported as such.
        for (const rule of objectsIn(node.props[direction]).filter((r) => !("from" in r) && !("to" in r))) {
          const peer = tree.target(rule.group);
          if (!peer || peer.type === node.type) continue;
          findings.push({
            node,
            message: `${direction} refers to something other than a <SecurityGroup>`,
            found: peer.path,
            fix: "Pass a ref(SecurityGroup) bound to a <SecurityGroup>",
          });
        }
      }
    }
    return findings;
  },
};
