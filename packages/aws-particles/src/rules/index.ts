import type { Rule } from "@jiti/reconciler";
import { groupRulePeers } from "./group-rule-peers.js";
import { iamActionFormat, iamServiceWildcard, iamWildcardAction, iamWildcardResource, trustAnyPrincipal } from "./iam-policies.js";
import { iamNameCase } from "./iam-name-case.js";
import { imdsv1Allowed, privateInstancePublicSubnet, unencryptedRootVolume } from "./instance-hardening.js";
import { instanceGroupsInVpc } from "./instance-groups-in-vpc.js";
import { publicSubnetRoute } from "./public-subnet-route.js";
import { routeTableSubnets, routeTargetInVpc } from "./route-table-links.js";
import { subnetPlacement } from "./subnet-placement.js";
import { openIngress, publicRdp, publicSsh } from "./world-ingress.js";

export { requiredTags } from "./required-tags.js";
export {
  groupRulePeers,
  iamActionFormat,
  iamNameCase,
  iamServiceWildcard,
  iamWildcardAction,
  iamWildcardResource,
  imdsv1Allowed,
  instanceGroupsInVpc,
  openIngress,
  privateInstancePublicSubnet,
  publicRdp,
  publicSsh,
  publicSubnetRoute,
  routeTableSubnets,
  routeTargetInVpc,
  subnetPlacement,
  trustAnyPrincipal,
  unencryptedRootVolume,
};

/** The rules that keep a tree buildable: what AWS would refuse half way through an apply. */
export const structuralRules: readonly Rule[] = [
  subnetPlacement,
  publicSubnetRoute,
  routeTargetInVpc,
  routeTableSubnets,
  groupRulePeers,
  instanceGroupsInVpc,
  iamNameCase,
];

/** The policy rules: what an organisation does not want deployed (SSH from the world, `*` actions). */
export const policyRules: readonly Rule[] = [
  publicSsh,
  publicRdp,
  openIngress,
  iamWildcardAction,
  iamServiceWildcard,
  iamWildcardResource,
  iamActionFormat,
  trustAnyPrincipal,
  imdsv1Allowed,
  unencryptedRootVolume,
  privateInstancePublicSubnet,
];

/** Every built-in rule of this package, each also listed by the particles it concerns (their `rules`), which is how render finds them. */
export const rules: readonly Rule[] = [...structuralRules, ...policyRules];
