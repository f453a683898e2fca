import type { Finding, Rule, RuleNode, RuleTree } from "@jiti/reconciler";

/**
 * Rules about the IAM policies of roles: what they allow, on what, and to
 * whom. They read the canonical documents render holds (`Statement` a list,
 * a one-element set as a bare string).
 */

type Statement = Record<string, unknown>;

/** `service:Action`, with `*` and `?` wildcards in the action part: what IAM accepts (it ignores case). */
const ACTION = /^[a-z0-9-]+:[a-z0-9*?]+$/i;
/** Actions that only read: a wildcard policy of these is what many tools need, and is not flagged. */
const READ_ONLY = /^(Get|List|Describe|Head|BatchGet|Query|Scan|Select|View|Search|Lookup|Check)/i;
/** AWS-managed policies that grant every action. */
const ADMIN_POLICIES = /^arn:aws[a-z-]*:iam::aws:policy\/AdministratorAccess$/;

const asList = (value: unknown): string[] =>
  typeof value === "string" ? [value] : Array.isArray(value) ? value.filter((v) => typeof v === "string") : [];

/** Every statement of every policy a role carries: its inline policies, then its trust policy. */
function statements(
  tree: RuleTree,
  which: "permissions" | "trust",
): { node: RuleNode; where: string; statement: Statement; index: number }[] {
  return tree.ofType("aws.iam.Role").flatMap((node) => {
    if (node.existing) return [];
    const documents =
      which === "trust"
        ? [["trustPolicy", node.props.trustPolicy] as const]
        : Object.entries((node.props.inlinePolicies as Record<string, unknown> | undefined) ?? {}).map(
            ([name, doc]) => [`inlinePolicies.${name}`, doc] as const,
          );
    return documents.flatMap(([where, doc]) => {
      const list = (doc as { Statement?: unknown } | undefined)?.Statement;
      return (Array.isArray(list) ? list : [])
        .filter((s): s is Statement => typeof s === "object" && s !== null && !Array.isArray(s))
        .map((statement, index) => ({ node, where, statement, index }));
    });
  });
}

const allows = (s: Statement) => s.Effect === "Allow";
/** A condition narrows a statement only if it says something: `{}` does not. */
const conditioned = (s: Statement) => typeof s.Condition === "object" && s.Condition !== null && Object.keys(s.Condition).length > 0;
const isWrite = (action: string) => action === "*" || !READ_ONLY.test(action.slice(action.indexOf(":") + 1));

function finding(node: RuleNode, where: string, index: number, statement: Statement, message: string, fix: string): Finding {
  return { node, message: `${where} statement ${index}: ${message}`, found: statement, fix };
}

export const iamWildcardAction: Rule = {
  id: "iam-wildcard-action",
  severity: "error",
  description: 'A statement allowing "Action": "*" grants every action on every service: an administrator',
  fix: "Allow the actions the role needs, e.g. s3:GetObject",
  check(tree) {
    const inline = statements(tree, "permissions").flatMap(({ node, where, index, statement }) => {
      if (!allows(statement)) return [];
      if (asList(statement.Action).includes("*")) {
        return [
          finding(
            node,
            where,
            index,
            statement,
            'allows every action ("Action": "*")',
            'List the actions the role needs, e.g. "s3:GetObject"',
          ),
        ];
      }
      // NotAction with Allow grants everything else, every service included.
      if (statement.NotAction !== undefined && asList(statement.Resource).includes("*")) {
        const but = asList(statement.NotAction).join(", ");
        return [
          finding(
            node,
            where,
            index,
            statement,
            `allows every action but ${but} ("NotAction" with "Allow")`,
            "List the actions the role needs, with Action",
          ),
        ];
      }
      return [];
    });
    const managed = tree.ofType("aws.iam.Role").flatMap((node) =>
      asList(node.props.managedPolicies)
        .filter((arn) => ADMIN_POLICIES.test(arn))
        .map((arn): Finding => ({
          node,
          message: "managedPolicies attaches AdministratorAccess, which allows every action",
          found: arn,
          fix: "Attach a policy with the actions the role needs",
        })),
    );
    return [...inline, ...managed];
  },
};

export const iamServiceWildcard: Rule = {
  id: "iam-service-wildcard",
  severity: "warning",
  description: 'A statement allowing "service:*" grants every action of the service, its writes and deletes included',
  fix: "Allow the actions the role needs, or a read-only pattern such as s3:Get*",
  check(tree) {
    return statements(tree, "permissions").flatMap(({ node, where, index, statement }) => {
      const wide = asList(statement.Action).filter((a) => /^[a-z0-9-]+:\*$/i.test(a));
      if (!allows(statement) || wide.length === 0) return [];
      return [
        finding(
          node,
          where,
          index,
          statement,
          `allows every action of ${wide.map((a) => a.split(":")[0]).join(", ")} (${wide.join(", ")})`,
          "List the actions the role needs",
        ),
      ];
    });
  },
};

export const iamWildcardResource: Rule = {
  id: "iam-wildcard-resource",
  severity: "warning",
  description: 'A statement allowing write actions on "Resource": "*" lets the role change every resource of that kind in the account',
  fix: "Name the resources (their ARNs, or an ARN pattern) the writes apply to",
  check(tree) {
    return statements(tree, "permissions").flatMap(({ node, where, index, statement }) => {
      const writes = asList(statement.Action).filter(isWrite);
      if (!allows(statement) || writes.length === 0 || !asList(statement.Resource).includes("*")) return [];
      return [
        finding(
          node,
          where,
          index,
          statement,
          `allows writes (${writes.join(", ")}) on every resource ("Resource": "*")`,
          "Name the resources the writes apply to, by ARN",
        ),
      ];
    });
  },
};

export const iamActionFormat: Rule = {
  id: "iam-action-format",
  severity: "error",
  description: "An action IAM cannot parse fails the apply, or matches nothing",
  fix: 'Write actions as "service:Action", e.g. "s3:GetObject"',
  check(tree) {
    return [...statements(tree, "permissions"), ...statements(tree, "trust")].flatMap(({ node, where, index, statement }) => {
      const bad = [...asList(statement.Action), ...asList(statement.NotAction)].filter((a) => a !== "*" && !ACTION.test(a));
      if (bad.length === 0) return [];
      const hint = bad.map((a) => a.trim().replace(/^([a-z0-9-]+)[\s.:]+(\w)/i, (_, s: string, c: string) => `${s.toLowerCase()}:${c}`));
      return [
        finding(
          node,
          where,
          index,
          statement,
          `has actions not of the form "service:Action": ${bad.map((a) => JSON.stringify(a)).join(", ")}`,
          `Write them as ${hint.map((a) => JSON.stringify(a)).join(", ")}`,
        ),
      ];
    });
  },
};

export const trustAnyPrincipal: Rule = {
  id: "trust-any-principal",
  severity: "error",
  description: "A trust policy allowing any principal without a condition lets anyone, in any account, assume the role",
  fix: "Name who may assume the role (a service, an account, a role), or add a condition such as aws:PrincipalOrgID",
  check(tree) {
    return statements(tree, "trust").flatMap(({ node, where, index, statement }) => {
      const principal = statement.Principal;
      const anyone =
        principal === "*" ||
        (typeof principal === "object" && principal !== null && asList((principal as Record<string, unknown>).AWS).includes("*"));
      if (!allows(statement) || !anyone || conditioned(statement)) return [];
      return [
        finding(
          node,
          where,
          index,
          statement,
          "lets any principal assume the role",
          'Name the principal, e.g. assumedBy="ec2.amazonaws.com" or { AWS: "123456789012" }, or add a Condition',
        ),
      ];
    });
  },
};
