import type { Finding, Rule, RuleNode } from "@jiti/reconciler";
import { ROUTE_TARGETS } from "../ec2/route-targets.js";
import { objectsIn, siblingsOf } from "./_tree.js";

const TABLE = "aws.ec2.RouteTable";

/** A route table's routes send traffic to targets of its own VPC: AWS refuses a gateway of another one. */
export const routeTargetInVpc: Rule = {
  id: "route-target-in-vpc",
  severity: "error",
  mandatory: true,
  description: "A route table's routes go to gateways of its own VPC",
  fix: "Route to gateways nested in the route table's own <Vpc>, or to an existing gateway by id",
  check(tree) {
    const findings: Finding[] = [];
    for (const node of tree.ofType(TABLE)) {
      if (!node.valid || node.existing) continue;
      const vpc = node.parent?.path ?? "";
      objectsIn(node.props.routes).forEach((route, i) => {
        for (const [key, target] of Object.entries(ROUTE_TARGETS)) {
          const to = tree.target(route[key]);
          if (!to || (to.parent === node.parent && to.type === target.type)) continue;
          findings.push({
            node,
            message: `routes[${i}].${key} must refer to an <${target.component}> in the same <Vpc> (${vpc})`,
            found: to.path,
            fix: `Nest the <${target.component}> in ${vpc || "the VPC"}, or pass an existing "${target.prefix}…" id`,
          });
        }
      });
    }
    return findings;
  },
};

/**
 * A route table serves subnets of its own VPC, each listed once, and a
 * subnet uses one route table: the later of two tables listing it is blamed.
 */
export const routeTableSubnets: Rule = {
  id: "route-table-subnets",
  severity: "error",
  mandatory: true,
  description: "A route table lists subnets of its own VPC, each once, and each subnet is listed by one table",
  fix: "List each subnet of the VPC once, in one route table",
  check(tree) {
    const findings: Finding[] = [];
    // A subnet's identity in a list: its node for a reference, else its id.
    const keyOf = (value: unknown): unknown => tree.target(value) ?? value;
    const listed = new Map<RuleNode, Set<unknown>>();
    const listedBy = (table: RuleNode) => {
      let keys = listed.get(table);
      if (!keys) listed.set(table, (keys = new Set(Array.isArray(table.props.subnets) ? table.props.subnets.map(keyOf) : [])));
      return keys;
    };
    for (const node of tree.ofType(TABLE)) {
      if (!node.valid || node.existing || !Array.isArray(node.props.subnets)) continue;
      const vpc = node.parent?.path ?? "";
      const siblings = siblingsOf(tree, node);
      const earlier = siblings.slice(0, siblings.indexOf(node)).filter((s) => s.type === TABLE);
      const seen = new Set<unknown>();
      node.props.subnets.forEach((value, i) => {
        const target = tree.target(value);
        const key = target ?? value;
        const shown = target?.path ?? value;
        if (seen.has(key))
          findings.push({ node, message: "subnets lists the same subnet twice", found: shown, fix: "List each subnet once" });
        seen.add(key);
        if (target && !(target.parent === node.parent && target.type === "aws.ec2.Subnet")) {
          findings.push({
            node,
            message: `subnets[${i}] must refer to a <Subnet> in the same <Vpc> (${vpc})`,
            found: target.path,
            fix: "A route table serves subnets of its own VPC only; move the <RouteTable> or the <Subnet>",
          });
        }
        const other = earlier.find((table) => listedBy(table).has(key));
        if (other) {
          findings.push({
            node,
            message: `subnets[${i}] is already associated with ${other.path}, and a subnet uses one route table`,
            found: shown,
            fix: `Remove it from the subnets of this table or of ${other.path}`,
          });
        }
      });
    }
    return findings;
  },
};
