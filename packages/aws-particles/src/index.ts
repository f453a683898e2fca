import { particleOf, type AnyParticle } from "@jiti/reconciler";
import { Ec2 } from "./ec2/Ec2.js";
import { InternetGateway } from "./ec2/InternetGateway.js";
import { RouteTable } from "./ec2/RouteTable.js";
import { SecurityGroup } from "./ec2/SecurityGroup.js";
import { Subnet } from "./ec2/Subnet.js";
import { Vpc } from "./ec2/Vpc.js";
import { InstanceProfile } from "./iam/InstanceProfile.js";
import { Role } from "./iam/Role.js";

export { Stack, Tags } from "@jiti/reconciler";
export { Vpc, Subnet, InternetGateway, RouteTable, SecurityGroup, Ec2, Role, InstanceProfile };
export { amazonLinux, ubuntu } from "./ec2/image.js";
export { rules } from "./rules/index.js";
export { readAwsError } from "./aws/errors.js";
export type { AwsErrorInfo } from "./aws/errors.js";
export type { VpcProps } from "./ec2/Vpc.js";
export type { SubnetProps } from "./ec2/Subnet.js";
export type { InternetGatewayProps } from "./ec2/InternetGateway.js";
export type { RouteTableProps, Route } from "./ec2/RouteTable.js";
export type { SecurityGroupProps, IngressRule, EgressRule, Protocol } from "./ec2/SecurityGroup.js";
export type { Ec2Props } from "./ec2/Ec2.js";
export type { ImageLookup, AmazonLinuxLookup, UbuntuLookup, ImageArch } from "./ec2/image.js";
export type { RoleProps, PolicyDocument, PolicyStatement } from "./iam/Role.js";
export type { InstanceProfileProps } from "./iam/InstanceProfile.js";

/**
 * Every particle kind of this package: pass it as `particles` to `plan`,
 * `apply` and `destroy` so resources of kinds no longer rendered are found too.
 */
export const particles: readonly AnyParticle[] = [Vpc, Subnet, InternetGateway, RouteTable, SecurityGroup, Ec2, Role, InstanceProfile].map(
  (component) => particleOf(component)!,
);
