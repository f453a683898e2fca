/**
 * Every resource kind of this package, one line each: the particle
 * component with its props and live-data types. A new kind is its particle
 * file, its tests, and one line here; `particles` (the catalogue the CLI and
 * the API read) and the package's exports follow from this list.
 */
export * from "./ec2/Vpc.js";
export * from "./ec2/Subnet.js";
export * from "./ec2/InternetGateway.js";
export * from "./ec2/RouteTable.js";
export * from "./ec2/SecurityGroup.js";
export * from "./ec2/Ec2.js";
export * from "./iam/Role.js";
export * from "./iam/InstanceProfile.js";
