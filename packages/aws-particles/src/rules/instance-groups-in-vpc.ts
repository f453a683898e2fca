import type { Finding, Rule } from "@jiti/reconciler";

/**
 * An instance's security groups belong to the VPC of its subnet: AWS
 * refuses any other at launch, half way through an apply.
 */
export const instanceGroupsInVpc: Rule = {
  id: "instance-groups-in-vpc",
  severity: "error",
  mandatory: true,
  description: "An instance's security groups are in the VPC of its subnet",
  fix: "Use security groups of the instance's own <Vpc>",
  check(tree) {
    const findings: Finding[] = [];
    for (const node of tree.ofType("aws.ec2.Instance")) {
      const vpc = node.parent?.parent;
      if (!vpc || !Array.isArray(node.props.securityGroups)) continue;
      node.props.securityGroups.forEach((value, i) => {
        const group = tree.target(value);
        if (!group || group.parent === vpc) return;
        findings.push({
          node,
          message: `securityGroups[${i}] must refer to a <SecurityGroup> in the instance's own <Vpc> (${vpc.path})`,
          found: group.path,
          fix: `Use a security group of ${vpc.path}, or move the instance into a subnet of the group's VPC`,
        });
      });
    }
    return findings;
  },
};
