import type { Rule } from "@jiti/reconciler";
import { groupRulePeers } from "./group-rule-peers.js";
import { iamNameCase } from "./iam-name-case.js";
import { instanceGroupsInVpc } from "./instance-groups-in-vpc.js";
import { publicSubnetRoute } from "./public-subnet-route.js";
import { routeTableSubnets, routeTargetInVpc } from "./route-table-links.js";
import { subnetPlacement } from "./subnet-placement.js";

export { groupRulePeers, iamNameCase, instanceGroupsInVpc, publicSubnetRoute, routeTableSubnets, routeTargetInVpc, subnetPlacement };

/** Every rule of this package, each also listed by the particles it concerns (their `rules`), which is how render finds them. */
export const rules: readonly Rule[] = [
  subnetPlacement,
  publicSubnetRoute,
  routeTargetInVpc,
  routeTableSubnets,
  groupRulePeers,
  instanceGroupsInVpc,
  iamNameCase,
];
