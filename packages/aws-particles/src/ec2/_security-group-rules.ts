import type { IpPermission } from "@aws-sdk/client-ec2";
import type { Issue } from "@jiti/reconciler";
import { is, isRefValue, type Check, type Checks, type RefValue } from "@jiti/reconciler/particle";
import { cidrIssue, networkOf } from "../cidr.js";
import { idOf } from "../aws/lookup.js";
import type { CanonicalRule, EgressRule, IngressRule, Protocol } from "./SecurityGroup.js";

// Security group rules without AWS calls: the canonical form rules are
// compared in, the diff between two lists of them, and their validation.

export type Direction = "ingress" | "egress";

const PROTOCOLS: readonly Protocol[] = ["tcp", "udp", "icmp", "all"];
/** What AWS returns for protocols given by number. */
const PROTOCOL_NAMES: Record<string, string> = { "-1": "all", "6": "tcp", "17": "udp", "1": "icmp" };
const PEER_KEY = { ingress: "from", egress: "to" } as const;
/** The characters AWS allows in VPC security group names and descriptions. */
const AWS_TEXT = /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

// ---------------------------------------------------------------- canonical form

function canonicalRule(
  protocol: string,
  fromPort: number | undefined,
  toPort: number | undefined,
  peer: unknown,
  description: string | undefined,
): CanonicalRule {
  // icmp and all have no ports; -1/-1 is how AWS says "every type" or "every port".
  const ports = fromPort !== undefined && toPort !== undefined && !(fromPort === -1 && toPort === -1) ? { fromPort, toPort } : {};
  const target = typeof peer === "string" && !peer.startsWith("sg-") ? { cidr: peer } : { group: peer as string | RefValue };
  return { protocol, ...ports, ...target, ...(description ? { description } : {}) };
}

export function isCanonical(rule: unknown): rule is CanonicalRule & Record<string, unknown> {
  return isObject(rule) && "cidr" in rule !== "group" in rule && !("from" in rule) && !("to" in rule);
}

/** A canonical rule written back as input, so one checker serves both. */
function asInput(rule: CanonicalRule & Record<string, unknown>, direction: Direction): Record<string, unknown> {
  const { cidr, group, fromPort, toPort, ...rest } = rule;
  const ports = fromPort !== undefined || toPort !== undefined ? { ports: [fromPort, toPort] } : {};
  return { ...rest, ...ports, [PEER_KEY[direction]]: cidr ?? group };
}

/** A valid input rule as canonical rules, one per peer. */
function expand(rule: IngressRule | EgressRule, direction: Direction): CanonicalRule[] {
  const protocol = rule.protocol ?? "tcp";
  const [fromPort, toPort] = rule.port !== undefined ? [rule.port, rule.port] : (rule.ports ?? [undefined, undefined]);
  const peers = direction === "ingress" ? (rule as IngressRule).from : ((rule as EgressRule).to ?? "0.0.0.0/0");
  return (Array.isArray(peers) ? peers : [peers]).map((peer) => canonicalRule(protocol, fromPort, toPort, peer, rule.description));
}

function peerSortKey(rule: CanonicalRule): string {
  if (rule.cidr !== undefined) return `cidr:${rule.cidr}`;
  return isRefValue(rule.group) ? `ref:${rule.group.$ref}` : `group:${String(rule.group)}`;
}

/** Identity of a rule in AWS: everything but its description. */
function ruleKey(rule: CanonicalRule): string {
  return JSON.stringify([rule.protocol, rule.fromPort ?? null, rule.toPort ?? null, peerSortKey(rule)]);
}

function sortRules(rules: CanonicalRule[]): CanonicalRule[] {
  const sorted = [...rules].sort(
    (a, b) =>
      compare(a.protocol, b.protocol) ||
      compare(a.fromPort ?? -1, b.fromPort ?? -1) ||
      compare(a.toPort ?? -1, b.toPort ?? -1) ||
      compare(peerSortKey(a), peerSortKey(b)) ||
      compare(a.description ?? "", b.description ?? ""),
  );
  // The same rule written twice is one rule in AWS.
  return sorted.filter((rule, i) => i === 0 || JSON.stringify(rule) !== JSON.stringify(sorted[i - 1]));
}

/**
 * Rules in canonical form, sorted. Idempotent, and accepts rules whose refs
 * are already resolved to ids. A list with an invalid rule is returned as it
 * is, for validate to report with the user's own indexes.
 */
export function canonicalRules(rules: unknown, direction: Direction): unknown {
  if (!Array.isArray(rules)) return rules;
  const out: CanonicalRule[] = [];
  for (const rule of rules) {
    const input = isCanonical(rule) ? asInput(rule, direction) : rule;
    if (ruleIssue(input, "rule", direction)) return rules;
    out.push(...expand(input as IngressRule | EgressRule, direction));
  }
  return sortRules(out);
}

export function observedRules(permissions: readonly IpPermission[] | undefined): CanonicalRule[] {
  const rules: CanonicalRule[] = [];
  for (const p of permissions ?? []) {
    const protocol = PROTOCOL_NAMES[p.IpProtocol ?? "-1"] ?? p.IpProtocol ?? "all";
    // IPv6 ranges and prefix lists are not managed yet, so they are not compared either.
    for (const range of p.IpRanges ?? []) rules.push(canonicalRule(protocol, p.FromPort, p.ToPort, range.CidrIp, range.Description));
    for (const pair of p.UserIdGroupPairs ?? []) rules.push(canonicalRule(protocol, p.FromPort, p.ToPort, pair.GroupId, pair.Description));
  }
  return sortRules(rules);
}

/**
 * `description`: "as is" leaves a missing description out (authorize);
 * "explicit" sends "" for it, which removes an old one (AWS also removes it
 * when the field is left out, moto does not); "none" leaves it out (revoke
 * matches rules without it).
 */
export function toPermission(rule: CanonicalRule, description: "as is" | "explicit" | "none"): IpPermission {
  const ports =
    rule.fromPort !== undefined
      ? { FromPort: rule.fromPort, ToPort: rule.toPort }
      : rule.protocol === "icmp"
        ? { FromPort: -1, ToPort: -1 }
        : {};
  const text = description === "none" ? undefined : description === "explicit" ? (rule.description ?? "") : rule.description;
  const described = text !== undefined ? { Description: text } : {};
  const peer =
    rule.cidr !== undefined
      ? { IpRanges: [{ CidrIp: rule.cidr, ...described }] }
      : { UserIdGroupPairs: [{ GroupId: idOf(rule.group, "a rule's group"), ...described }] };
  return { IpProtocol: rule.protocol === "all" ? "-1" : rule.protocol, ...ports, ...peer };
}

// ---------------------------------------------------------------- diff

/** What turns the live rules into the desired ones, rules matched by ruleKey: which to authorise, which to re-describe, which to revoke. */
export function diffRules(live: readonly CanonicalRule[], desired: readonly CanonicalRule[]) {
  const have = new Map(live.map((r) => [ruleKey(r), r]));
  const want = new Map(desired.map((r) => [ruleKey(r), r]));
  const added = desired.filter((r) => !have.has(ruleKey(r)));
  const redescribed = desired.filter((r) => have.has(ruleKey(r)) && (have.get(ruleKey(r))!.description ?? "") !== (r.description ?? ""));
  const removed = live.filter((r) => !want.has(ruleKey(r)));
  return { added, redescribed, removed };
}

// ---------------------------------------------------------------- validation

export function textIssue(minLength: number, example: string): Check {
  return (value, name) => {
    if (typeof value !== "string" || value.length < minLength)
      return { message: `${name} must be a non-empty string`, found: value, fix: `Use ${example}` };
    if (value.length > 255) return { message: `${name} must be at most 255 characters`, found: value, fix: `Shorten ${name}` };
    if (!AWS_TEXT.test(value)) {
      return {
        message: `${name} may only hold letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*`,
        found: value,
        fix: `Remove the other characters from ${name}`,
      };
    }
    return undefined;
  };
}

export function groupNameIssue(value: unknown, name: string): Issue | undefined {
  const text = textIssue(1, 'a name such as "web"')(value, name);
  if (text) return text;
  if ((value as string).toLowerCase().startsWith("sg-"))
    return { message: `${name} cannot start with "sg-"`, found: value, fix: "Choose a name that does not look like a group id" };
  return undefined;
}

export function rulesIssue(direction: Direction): Checks {
  return (value, name) => {
    if (!Array.isArray(value)) return { message: `${name} must be an array of rules`, found: value, fix: `Pass [ ${example(direction)} ]` };
    // Every bad rule at once, not one per run.
    const issues: Issue[] = [];
    for (let i = 0; i < value.length; i++) {
      const rule: unknown = value[i];
      const issue = ruleIssue(isCanonical(rule) ? asInput(rule, direction) : rule, `${name}[${i}]`, direction);
      if (issue) issues.push(issue);
    }
    return issues.length > 0 ? issues : undefined;
  };
}

const example = (direction: Direction) => (direction === "ingress" ? '{ port: 443, from: "0.0.0.0/0" }' : '{ port: 443, to: "0.0.0.0/0" }');

function ruleIssue(rule: unknown, name: string, direction: Direction): Issue | undefined {
  if (!isObject(rule)) return { message: `${name} must be a rule object`, found: rule, fix: `Use ${example(direction)}` };
  const peerKey = PEER_KEY[direction];
  const wrongKey = PEER_KEY[direction === "ingress" ? "egress" : "ingress"];
  if (wrongKey in rule) {
    return {
      message: `${name}: ${direction} rules name their ${direction === "ingress" ? "source" : "destination"} with "${peerKey}"`,
      found: rule,
      fix: `Rename "${wrongKey}" to "${peerKey}"`,
    };
  }
  const unknown = Object.keys(rule).find((k) => !["protocol", "port", "ports", peerKey, "description"].includes(k));
  if (unknown)
    return {
      message: `${name} has an unknown key "${unknown}"`,
      found: rule,
      fix: `Use protocol, port or ports, ${peerKey} and description`,
    };
  const protocol = rule.protocol ?? "tcp";
  const issue =
    is.oneOf(PROTOCOLS)(protocol, `${name}.protocol`) ??
    portsIssue(rule, name, protocol as Protocol) ??
    peersIssue(rule[peerKey], `${name}.${peerKey}`, direction) ??
    (rule.description === undefined
      ? undefined
      : textIssue(0, 'a description such as "from the load balancer"')(rule.description, `${name}.description`));
  return issue;
}

function portsIssue(rule: Record<string, unknown>, name: string, protocol: Protocol): Issue | undefined {
  const { port, ports } = rule;
  if (protocol === "icmp" || protocol === "all") {
    if (port === undefined && ports === undefined) return undefined;
    return {
      message: `${name}: protocol "${protocol}" has no ports`,
      found: port ?? ports,
      fix: `Remove ${port !== undefined ? "port" : "ports"}, or use protocol "tcp" or "udp"`,
    };
  }
  if (port !== undefined && ports !== undefined)
    return {
      message: `${name} has both port and ports`,
      found: { port, ports },
      fix: "Use port for one port, or ports: [from, to] for a range",
    };
  if (port === undefined && ports === undefined)
    return {
      message: `${name} needs a port for protocol "${protocol}"`,
      found: rule,
      fix: "Add port: 443, or ports: [8000, 8100] for a range",
    };
  const portCheck = is.integer({ min: 0, max: 65535, what: "a port" });
  if (port !== undefined) return portCheck(port, `${name}.port`);
  if (!Array.isArray(ports) || ports.length !== 2)
    return { message: `${name}.ports must be [from, to]`, found: ports, fix: "Use ports: [8000, 8100]" };
  const bad = portCheck(ports[0], `${name}.ports[0]`) ?? portCheck(ports[1], `${name}.ports[1]`);
  if (bad) return bad;
  if (ports[0] > ports[1])
    return {
      message: `${name}.ports must go from the lower port to the higher`,
      found: ports,
      fix: `Use ports: [${ports[1]}, ${ports[0]}]`,
    };
  return undefined;
}

function peersIssue(value: unknown, name: string, direction: Direction): Issue | undefined {
  if (value === undefined) {
    // Egress defaults to anywhere; ingress from anywhere must be said out loud.
    if (direction === "egress") return undefined;
    return {
      message: `${name} is required`,
      fix: 'Say where traffic may come from, e.g. from: "10.0.0.0/16", from: "0.0.0.0/0" or from: otherGroup',
    };
  }
  if (!Array.isArray(value)) return peerIssue(value, name);
  if (value.length === 0)
    return {
      message: `${name} must list at least one peer`,
      found: value,
      fix: 'Add a block such as "10.0.0.0/16", or a ref to a <SecurityGroup>',
    };
  for (let i = 0; i < value.length; i++) {
    const issue = peerIssue(value[i], `${name}[${i}]`);
    if (issue) return issue;
  }
  return undefined;
}

function peerIssue(value: unknown, name: string): Issue | undefined {
  if (isRefValue(value)) return is.ref("SecurityGroup")(value, name);
  if (typeof value === "string" && value.startsWith("sg-")) return undefined;
  if (typeof value === "string") {
    if (!cidrIssue(value, name, 0, 32)) return undefined;
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(value))
      return { message: `${name} must be a CIDR block`, found: value, fix: `Use "${value}/32" for this one address` };
    const network = networkOf(value);
    if (network) return { message: `${name} has host bits set`, found: value, fix: `Use the network address "${network}"` };
  }
  return {
    message: `${name} must be an IPv4 block, a ref to a <SecurityGroup> or an "sg-…" id`,
    found: value,
    fix: 'Use a block such as "10.0.0.0/16" or "0.0.0.0/0", or ref(SecurityGroup)',
  };
}

/** The same rule twice with different descriptions: AWS keeps one description per rule. */
export function duplicateRuleIssues(rules: readonly CanonicalRule[], direction: Direction): Issue[] {
  const issues: Issue[] = [];
  const seen = new Map<string, CanonicalRule>();
  for (const rule of rules) {
    const other = seen.get(ruleKey(rule));
    if (other) {
      issues.push({
        message: `${direction} has the same rule twice with different descriptions`,
        found: [other.description ?? null, rule.description ?? null],
        fix: "AWS keeps one description per rule: keep one of them",
      });
    }
    seen.set(ruleKey(rule), rule);
  }
  return issues;
}
