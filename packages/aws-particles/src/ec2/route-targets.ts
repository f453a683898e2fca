/**
 * Route targets jiti can set: the key a route names its target with, the
 * CreateRoute parameter, the particle it refers to, and what a literal id
 * starts with. Shared by `<RouteTable>` and the rule that its targets are in
 * its VPC. Other kinds of target (NAT gateways, peering connections…) join
 * as their particles arrive.
 */
export const ROUTE_TARGETS = {
  gateway: { param: "GatewayId", component: "InternetGateway", type: "aws.ec2.InternetGateway", prefix: "igw-" },
} as const;
