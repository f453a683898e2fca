import type { Finding, Rule } from "@jiti/reconciler";
import { cidrIssue, contains, freeBlock, overlaps, parseCidr, quickBlock } from "../cidr.js";
import { siblingsOf } from "./_tree.js";

/**
 * A subnet's block lies inside its VPC's block (when jiti knows it) and
 * overlaps no earlier subnet of the VPC: AWS refuses either at create time,
 * half way through an apply. Each subnet is compared with the ones before
 * it, so a VPC with many subnets costs one pass over the earlier ones each;
 * the free block a fix suggests is only looked for when there is something
 * to fix.
 */
export const subnetPlacement: Rule = {
  id: "subnet-placement",
  severity: "error",
  mandatory: true,
  description: "A subnet's block lies inside its VPC's block and overlaps no other subnet of the VPC",
  fix: "Give each subnet its own block inside the VPC's",
  check(tree) {
    const findings: Finding[] = [];
    for (const node of tree.ofType("aws.ec2.Subnet")) {
      if (node.existing || cidrIssue(node.props.cidr, "cidr")) continue;
      const block = parseCidr(node.props.cidr)!;
      const issues: Finding[] = [];
      const vpcNode = node.parent?.type === "aws.ec2.Vpc" && !node.parent.existing ? node.parent : undefined;
      const vpc = vpcNode ? parseCidr(vpcNode.props.cidr) : undefined;
      if (vpc && !contains(vpc, block)) {
        issues.push({
          node,
          message: `cidr must lie inside the VPC's block ${vpc.text} (${vpcNode!.path})`,
          found: block.text,
          fix: `Use a block inside ${vpc.text}`,
        });
      }
      const subnets = siblingsOf(tree, node).filter((s) => s.type === node.type && !s.existing);
      for (const other of subnets.slice(0, subnets.indexOf(node))) {
        const theirs = quickBlock(other.props.cidr);
        if (theirs && overlaps(block, theirs)) {
          issues.push({
            node,
            message: `cidr overlaps ${theirs.text} of ${other.path}`,
            found: block.text,
            fix: "Give each subnet of a VPC its own block",
          });
        }
      }
      if (issues.length > 0 && vpc) {
        const taken = subnets.flatMap((s) => (s === node ? [] : (parseCidr(s.props.cidr) ?? [])));
        const free = freeBlock(vpc, Math.max(block.prefix, vpc.prefix), taken);
        if (free) for (const issue of issues) issue.fix += `, such as "${free}"`;
      }
      findings.push(...issues);
    }
    return findings;
  },
};
