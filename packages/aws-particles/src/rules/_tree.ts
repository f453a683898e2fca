import type { RuleNode, RuleTree } from "@jiti/reconciler";

// What several rules ask of the tree.

/** The elements under the same parent as `node` (the stack's, at the top), `node` included, in tree order. */
export function siblingsOf(tree: RuleTree, node: RuleNode): readonly RuleNode[] {
  return node.parent ? node.parent.children : tree.top;
}

/** A prop's value as a list of plain objects, for reading neighbours' props that may not be valid. */
export function objectsIn(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v))
    : [];
}

/** How a subnet reaches the internet: the route tables of its VPC, which of them list it and which send 0.0.0.0/0 to a gateway. */
export interface SubnetRouting {
  gateways: readonly RuleNode[];
  tables: readonly RuleNode[];
  /** The table that lists the subnet, if any. */
  mine: RuleNode | undefined;
  /** The first table that routes 0.0.0.0/0 to an internet gateway, if any. */
  routing: RuleNode | undefined;
  /** Whether a table lists the subnet and routes 0.0.0.0/0 to an internet gateway. */
  toInternet: boolean;
}

export function subnetRouting(tree: RuleTree, subnet: RuleNode): SubnetRouting {
  const siblings = siblingsOf(tree, subnet);
  const gateways = siblings.filter((s) => s.type === "aws.ec2.InternetGateway");
  const isInternetGateway = (value: unknown) => {
    if (typeof value === "string") return value.startsWith("igw-");
    const target = tree.target(value);
    return target !== undefined && gateways.includes(target);
  };
  const routesOut = (table: RuleNode) =>
    objectsIn(table.props.routes).some((r) => r.destination === "0.0.0.0/0" && isInternetGateway(r.gateway));
  const lists = (table: RuleNode) => Array.isArray(table.props.subnets) && table.props.subnets.some((s) => tree.target(s) === subnet);
  const tables = siblings.filter((s) => s.type === "aws.ec2.RouteTable" && !s.existing);
  return {
    gateways,
    tables,
    mine: tables.find(lists),
    routing: tables.find(routesOut),
    toInternet: tables.some((t) => lists(t) && routesOut(t)),
  };
}
