import type { Grant } from "@jiti/reconciler/particle";
import { STACK_TAG } from "./tags.js";

/**
 * The shapes of the IAM grants particles declare (their `permissions`), so
 * that each particle names only its actions and what they act on. `${stack}`
 * is filled in with the stack's name by `deployPolicy`.
 *
 * How AWS scopes them (the Service Authorization Reference,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html):
 * an action that creates a resource is allowed on that resource when the
 * request tags it with the stack (`aws:RequestTag`); an action on a resource
 * that exists, when the resource carries the stack's tag
 * (`aws:ResourceTag`); tags given in a create call need `ec2:CreateTags`
 * for that create action (`ec2:CreateAction`); Describe actions take no
 * resource at all. A request that touches several resources (CreateSubnet:
 * the new subnet and its VPC) is allowed only when each is.
 */

export type Ec2ResourceType =
  "vpc" | "subnet" | "internet-gateway" | "route-table" | "security-group" | "instance" | "volume" | "network-interface" | "key-pair";

const ec2Arn = (type: Ec2ResourceType) => `arn:aws:ec2:\${region}:\${account}:${type}/*`;
const OWNED = { StringEquals: { [`aws:ResourceTag/${STACK_TAG}`]: "${stack}" } };
const TAGGED_ON_CREATE = { StringEquals: { [`aws:RequestTag/${STACK_TAG}`]: "${stack}" } };

/** Actions on EC2 resources the stack owns: they carry its `jiti:stack` tag. */
export function onOwned(types: Ec2ResourceType | readonly Ec2ResourceType[], ...actions: string[]): Grant {
  // The tag condition is decided resource by resource: every such grant can share one statement.
  return { actions, resources: (typeof types === "string" ? [types] : types).map(ec2Arn), condition: OWNED, shareAs: "owned" };
}

/** The particle types of the EC2 resources a stack may adopt with `existing`. */
const ADOPTABLE: Partial<Record<Ec2ResourceType, string>> = {
  vpc: "aws.ec2.Vpc",
  subnet: "aws.ec2.Subnet",
  "security-group": "aws.ec2.SecurityGroup",
  "internet-gateway": "aws.ec2.InternetGateway",
  "route-table": "aws.ec2.RouteTable",
};

/**
 * Actions that build into a resource of the stack (a subnet made in its VPC,
 * a route table associated with its subnet): allowed on the ones it owns, and
 * on the ones it adopts with `existing`, by their id. Never an action that
 * changes or deletes the resource itself: jiti never does that to an adopted one.
 */
export function intoOwned(type: Ec2ResourceType, ...actions: string[]): Grant {
  const adoptable = ADOPTABLE[type];
  return {
    ...onOwned(type, ...actions),
    ...(adoptable ? { existing: { type: adoptable, arn: `arn:aws:ec2:\${region}:\${account}:${type}/\${id}` } } : {}),
  };
}

const DESCRIBE = "EC2's Describe actions take no resource: AWS allows them on * only.";

/** EC2 reads, which AWS allows on every resource or none. */
export function describes(...actions: string[]): Grant {
  return anywhere(DESCRIBE, ...actions);
}

/** A create action on the resources it makes, which its request tags with the stack; and the tagging itself. */
export function creating(types: Ec2ResourceType | readonly Ec2ResourceType[], action: string): Grant[] {
  const resources = (typeof types === "string" ? [types] : types).map(ec2Arn);
  return [
    { actions: [action], resources, condition: TAGGED_ON_CREATE },
    {
      actions: ["ec2:CreateTags"],
      resources,
      condition: { StringEquals: { "ec2:CreateAction": action.slice("ec2:".length), [`aws:RequestTag/${STACK_TAG}`]: "${stack}" } },
      // Tagging during one create or another: a create tags only what it makes, so these share a statement.
      shareAs: "tags-of-creates",
    },
  ];
}

/** Actions on EC2 resources that carry no tag of the stack's, with the reason they cannot be narrowed. */
export function onAny(types: Ec2ResourceType | readonly Ec2ResourceType[], why: string, ...actions: string[]): Grant {
  return { actions, resources: (typeof types === "string" ? [types] : types).map(ec2Arn), why };
}

/** Actions AWS does not scope to resources (Describe…, List… of a whole account). */
export function anywhere(why: string, ...actions: string[]): Grant {
  return { actions, resources: ["*"], why };
}

/** IAM actions on the stack's roles, which live under the IAM path `/jiti/<stack>/`. */
export function onStackRoles(...actions: string[]): Grant {
  return { actions, resources: ["arn:aws:iam::${account}:role/jiti/${stack}/*"] };
}

/** IAM actions on the stack's instance profiles, under `/jiti/<stack>/`. */
export function onStackProfiles(...actions: string[]): Grant {
  return { actions, resources: ["arn:aws:iam::${account}:instance-profile/jiti/${stack}/*"] };
}
