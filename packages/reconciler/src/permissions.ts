import { canonicalJson } from "./digest.js";
import type { AnyParticle, Grant, GrantCondition, LifecycleVerb } from "./particle.js";
import type { ParticleNode, StackTree } from "./tree.js";
import { walk } from "./tree.js";

/** Verbs a plan calls: reading only (`refresh` with `--refresh-attrs`). */
const READS: readonly LifecycleVerb[] = ["list", "lookup", "resolve", "refresh"];
/** Verbs an apply or destroy calls besides. */
const WRITES: readonly LifecycleVerb[] = ["create", "configure", "update", "delete", "setState", "retag"];

/** What `deployPolicy` needs besides the tree: where the stack deploys, and what else the role must do. */
export interface PermissionsOptions {
  /** The region the ARNs name (`${region}` in grants). @default "*" */
  region?: string;
  /** The account the ARNs name (`${account}` in grants). @default "*" */
  account?: string;
  /** Only what `plan` needs: the read verbs. */
  planOnly?: boolean;
  /** More grants, e.g. the stack lock's. */
  extra?: readonly Grant[];
}

/** An IAM policy document. */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** One statement of the deploy policy: one set of resources and condition, with every action granted on them. */
export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
  Condition?: GrantCondition;
}

/** The policy and why each of its wide statements is no narrower. */
export interface DeployPolicy {
  policy: PolicyDocument;
  /** By statement id: why its resource is `*` or it has no tag condition. */
  notes: Record<string, string>;
}

/**
 * The least-privilege policy of the role that deploys `tree`: the actions the
 * particles of the tree call, for every verb a run uses, with `${stack}`
 * filled in. Kinds of the catalogue the tree no longer renders still need
 * to be listed and, for what is left of them, deleted. Grants with the same
 * resources and condition become one statement.
 */
export function deployPolicy(tree: StackTree, catalogue: Iterable<AnyParticle>, options: PermissionsOptions = {}): DeployPolicy {
  const nodes = [...walk(tree.children)];
  const made = new Set(nodes.filter((n) => !n.existing).map((n) => n.type));
  const adoptedTypes = new Set(nodes.filter((n) => n.existing).map((n) => n.type));
  const grants: Grant[] = [];
  for (const particle of catalogue) {
    // Every kind is listed (to find what the tree no longer holds) and may have something to delete;
    // only the kinds the tree makes are resolved, refreshed, created, updated and started or stopped; only the adopted ones looked up.
    const uses = (verb: LifecycleVerb) =>
      verb === "list" || verb === "delete" || (verb === "lookup" ? adoptedTypes.has(particle.type) : made.has(particle.type));
    const verbs = (options.planOnly ? READS : [...READS, ...WRITES]).filter(uses);
    for (const verb of verbs) grants.push(...(particle.permissions?.[verb] ?? []));
  }
  if (!options.planOnly) grants.push(...(options.extra ?? []));
  const adopted = nodes.filter((n) => n.existing);
  const values = { stack: tree.stack, region: options.region ?? "*", account: options.account ?? "*" };
  return merge([...grants, ...grants.flatMap((g) => onAdopted(g, adopted))].map((g) => fill(g, values)));
}

/** A grant's actions on the resources the tree adopts of its `existing` type: by id, or by the lookup's tags. */
function onAdopted(grant: Grant, adopted: readonly ParticleNode[]): Grant[] {
  const spec = grant.existing;
  if (!spec) return [];
  return adopted
    .filter((node) => node.type === spec.type)
    .map((node) => {
      const existing = node.existing!;
      const base = {
        actions: grant.actions,
        why: `${node.path} adopts a resource jiti does not own: granted by its ${"id" in existing ? "id" : "tags"}.`,
      };
      const arns = typeof spec.arn === "string" ? [spec.arn] : spec.arn;
      if ("id" in existing) return { ...base, resources: arns.map((arn) => arn.replaceAll("${id}", existing.id)) };
      const tags = Object.fromEntries(Object.entries(existing.tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
      return { ...base, resources: arns.map((arn) => arn.replaceAll("${id}", "*")), condition: { StringEquals: tags } };
    });
}

/** A grant with `${stack}`, `${region}` and `${account}` filled in. */
/** Two conditions as one: each key's values together (one value stays a string). */
function joinConditions(a: GrantCondition | undefined, b: GrantCondition | undefined): GrantCondition | undefined {
  if (!a || !b) return a ?? b;
  const out: Record<string, Record<string, string | readonly string[]>> = {};
  for (const op of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const keys: Record<string, string | readonly string[]> = {};
    for (const key of new Set([...Object.keys(a[op] ?? {}), ...Object.keys(b[op] ?? {})])) {
      const values = [
        ...new Set([a[op]?.[key], b[op]?.[key]].flatMap((v) => (v === undefined ? [] : typeof v === "string" ? [v] : v))),
      ].sort();
      keys[key] = values.length === 1 ? values[0]! : values;
    }
    out[op] = keys;
  }
  return out;
}

function fill(grant: Grant, values: { stack: string; region: string; account: string }): Grant {
  const { existing: _existing, ...rest } = grant;
  grant = rest;
  const text = (value: string) =>
    value.replaceAll("${stack}", values.stack).replaceAll("${region}", values.region).replaceAll("${account}", values.account);
  const condition = grant.condition
    ? Object.fromEntries(
        Object.entries(grant.condition).map(([op, keys]) => [
          op,
          Object.fromEntries(Object.entries(keys).map(([k, v]) => [text(k), typeof v === "string" ? text(v) : v.map(text)])),
        ]),
      )
    : undefined;
  return { ...grant, resources: grant.resources.map(text), ...(condition ? { condition } : {}) };
}

function merge(grants: readonly Grant[]): DeployPolicy {
  const byScope = new Map<string, { resources: string[]; condition: GrantCondition | undefined; actions: Set<string>; why: Set<string> }>();
  for (const grant of grants) {
    const resources = [...new Set(grant.resources)].sort();
    const key = grant.shareAs ? `share ${grant.shareAs}` : canonicalJson({ resources, condition: (grant.condition ?? null) as never });
    const scope = byScope.get(key) ?? { resources: [], condition: undefined, actions: new Set<string>(), why: new Set<string>() };
    scope.resources = [...new Set([...scope.resources, ...resources])].sort();
    scope.condition = joinConditions(scope.condition, grant.condition);
    for (const action of grant.actions) scope.actions.add(action);
    if (grant.why) scope.why.add(grant.why);
    byScope.set(key, scope);
  }
  const scopes = [...byScope.values()].sort((a, b) => (canonicalJson(a.resources) < canonicalJson(b.resources) ? -1 : 1));
  const notes: Record<string, string> = {};
  const Statement = scopes.map((scope, i): PolicyStatement => {
    const Sid = `Jiti${String(i + 1).padStart(2, "0")}`;
    if (scope.why.size > 0) notes[Sid] = [...scope.why].join(" ");
    return {
      Sid,
      Effect: "Allow",
      Action: [...scope.actions].sort(),
      Resource: scope.resources.length === 1 ? scope.resources[0]! : scope.resources,
      ...(scope.condition ? { Condition: scope.condition } : {}),
    };
  });
  return { policy: { Version: "2012-10-17", Statement }, notes };
}
