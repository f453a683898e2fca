import type { Finding, Rule, RuleNode, RuleTree } from "@jiti/reconciler";
import { objectsIn } from "./_tree.js";

/** The blocks that mean "anyone on the internet". */
const WORLD = new Set(["0.0.0.0/0", "::/0"]);
/** Ports the web serves on: open to the world by design. */
const WEB_PORTS = [80, 443];
const SSH = 22;
const RDP = 3389;

/** An ingress rule from the whole internet, as the canonical form holds it. */
interface WorldRule {
  group: RuleNode;
  /** Its index in the group's canonical (sorted) ingress. */
  index: number;
  protocol: string;
  from: number;
  to: number;
  cidr: string;
}

/** Every ingress rule of every group that lets in the whole internet, with its port range (0–65535 for "all"). */
function worldRules(tree: RuleTree): WorldRule[] {
  return tree.ofType("aws.ec2.SecurityGroup").flatMap((group) =>
    group.existing
      ? []
      : objectsIn(group.props.ingress).flatMap((rule, index) => {
          if (typeof rule.cidr !== "string" || !WORLD.has(rule.cidr)) return [];
          const protocol = String(rule.protocol);
          if (protocol !== "all" && protocol !== "tcp" && protocol !== "udp") return [];
          const from = typeof rule.fromPort === "number" ? rule.fromPort : 0;
          const to = typeof rule.toPort === "number" ? rule.toPort : 65535;
          return [{ group, index, protocol, from, to, cidr: rule.cidr }];
        }),
  );
}

/** The rule as users write it, for `found`. */
function shown(rule: WorldRule) {
  const ports = rule.protocol === "all" ? {} : rule.from === rule.to ? { port: rule.from } : { ports: [rule.from, rule.to] };
  return { protocol: rule.protocol, ...ports, from: rule.cidr };
}

const covers = (rule: WorldRule, port: number) => rule.from <= port && port <= rule.to;

function portRule(id: string, port: number, service: string, protocols: readonly string[]): Rule {
  return {
    id,
    severity: "error",
    description: `${service} (port ${port}) open to the whole internet invites brute force and exploits of the service itself`,
    fix: `Allow ${service} only from the addresses that need it (a VPN, an office block), or reach instances through SSM Session Manager`,
    check(tree) {
      return worldRules(tree)
        .filter((rule) => covers(rule, port) && (rule.protocol === "all" || protocols.includes(rule.protocol)))
        .map((rule): Finding => ({
          node: rule.group,
          message: `ingress opens ${service} (port ${port}) to the whole internet (${rule.cidr})`,
          found: shown(rule),
          fix: `Allow port ${port} only from the addresses that need it, e.g. from: "203.0.113.0/24"; use SSM Session Manager instead; or waive "${id}" with a reason`,
        }));
    },
  };
}

/** SSH from anywhere. */
export const publicSsh = portRule("public-ssh", SSH, "SSH", ["tcp"]);
/** RDP from anywhere (RDP listens on TCP and UDP). */
export const publicRdp = portRule("public-rdp", RDP, "RDP", ["tcp", "udp"]);

/**
 * Anything but the web's ports open to the whole internet. SSH and RDP have
 * rules of their own, so a rule opening only those is left to them.
 */
export const openIngress: Rule = {
  id: "open-ingress",
  severity: "warning",
  description: "Ports other than 80 and 443 open to the whole internet expose services that were rarely meant to be public",
  fix: "Allow those ports only from the addresses or security groups that need them",
  check(tree) {
    return (
      worldRules(tree)
        // A range is fine only if every port in it is one of the named ones.
        .filter((rule) => rule.to - rule.from + 1 > [...WEB_PORTS, SSH, RDP].filter((port) => covers(rule, port)).length)
        .map((rule): Finding => ({
          node: rule.group,
          message: `ingress opens ${rule.protocol === "all" ? "every port" : rule.from === rule.to ? `port ${rule.from}` : `ports ${rule.from}-${rule.to}`} to the whole internet (${rule.cidr})`,
          found: shown(rule),
          fix: 'Allow it only from the addresses or groups that need it, e.g. from: "10.0.0.0/16" or a load balancer\'s group; or waive "open-ingress" with a reason',
        }))
    );
  },
};
