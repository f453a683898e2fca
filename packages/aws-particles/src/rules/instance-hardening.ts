import type { Finding, Rule } from "@jiti/reconciler";
import { subnetRouting } from "./_tree.js";

const INSTANCE = "aws.ec2.Instance";

export const imdsv1Allowed: Rule = {
  id: "imdsv1-allowed",
  severity: "error",
  description: "IMDSv1 answers any request from the instance, so an SSRF bug in the app hands out the role's credentials",
  fix: "Leave imdsV2 on (the default)",
  check(tree) {
    return tree
      .ofType(INSTANCE)
      .filter((node) => !node.existing && node.props.imdsV2 === false)
      .map((node): Finding => ({
        node,
        message: "imdsV2={false} allows IMDSv1, whose credentials an SSRF bug can read",
        found: { imdsV2: false },
        fix: 'Remove imdsV2={false}; an SDK older than 2019 that needs IMDSv1 should be upgraded, or waive "imdsv1-allowed" with a reason',
      }));
  },
};

export const unencryptedRootVolume: Rule = {
  id: "unencrypted-root-volume",
  severity: "error",
  description: "An unencrypted root volume leaves the instance's data readable in snapshots and on retired disks",
  fix: "Leave rootVolumeEncrypted on (the default)",
  check(tree) {
    return tree
      .ofType(INSTANCE)
      .filter((node) => !node.existing && node.props.rootVolumeEncrypted === false)
      .map((node): Finding => ({
        node,
        message: "rootVolumeEncrypted={false} stores the root volume unencrypted",
        found: { rootVolumeEncrypted: false },
        fix: 'Remove rootVolumeEncrypted={false} (it encrypts with the account\'s default EBS key), or waive "unencrypted-root-volume" with a reason',
      }));
  },
};

/**
 * An instance in a subnet routed to an internet gateway, but without a
 * public IP (the subnet is not `public`): it can neither be reached nor reach
 * out, which is rarely what was meant. A public IP without such a route is
 * the subnet's rule, `public-subnet-route`.
 */
export const privateInstancePublicSubnet: Rule = {
  id: "private-instance-public-subnet",
  severity: "warning",
  description: "A private instance (no public IP) in a subnet routed to an internet gateway can neither reach the internet nor be reached",
  fix: "Make the subnet public, or put private instances in a subnet routed through a NAT gateway",
  check(tree) {
    return tree.ofType(INSTANCE).flatMap((node) => {
      const subnet = node.parent;
      if (node.existing || subnet?.type !== "aws.ec2.Subnet" || subnet.existing || subnet.props.public === true) return [];
      const routing = subnetRouting(tree, subnet);
      if (!routing.toInternet) return [];
      return [
        {
          node,
          message: `its subnet ${subnet.path} routes 0.0.0.0/0 to an internet gateway (through ${routing.mine!.path}) but gives no public IP (public={false})`,
          found: { subnet: subnet.path, public: false },
          fix: `Set public on ${subnet.path} to reach the instance, or move the instance to a private subnet`,
        },
      ];
    });
  },
};
