import type { Issue, Json, JsonObject } from "@jiti/reconciler";
import type { Check } from "@jiti/reconciler/particle";

/**
 * IAM policy documents: the canonical form jiti compares, sends and shows.
 *
 * AWS hands documents back in other shapes than it was given: URL-encoded
 * JSON (GetAccountAuthorizationDetails, GetRole, GetRolePolicy, ListRoles),
 * a one-element list as a bare string or the other way round, an account id
 * principal turned into its `:root` ARN. Desired props (in `normalize`) and
 * live documents (in `list`) both go through `canonicalPolicy`, so equal
 * policies compare equal and a plan shows only real changes.
 */

/** One statement of a policy document, as written in `stack.tsx`. */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | Record<string, string | string[]>;
  NotPrincipal?: Record<string, string | string[]>;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, Json>>;
}

/** An IAM policy document: `{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] }`. */
export interface PolicyDocument {
  Version?: "2012-10-17" | "2008-10-17";
  Id?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** Statement fields whose value is a set of strings, order and one-element wrapping irrelevant. */
const SET_FIELDS = new Set(["Action", "NotAction", "Resource", "NotResource"]);
const PRINCIPAL_FIELDS = new Set(["Principal", "NotPrincipal"]);
/** `arn:aws:iam::123456789012:root`, which AWS stores for the principal `123456789012`. */
const ACCOUNT_ROOT = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;

/** The trust policy letting AWS services (`ec2.amazonaws.com`) assume a role. */
export function trustPolicyFor(services: string | readonly string[]): JsonObject {
  return canonicalPolicy({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: typeof services === "string" ? services : [...services] }, Action: "sts:AssumeRole" },
    ],
  });
}

/** Reads a document as AWS returns it: JSON text, URL-encoded by some APIs. */
export function parsePolicy(text: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // URL-encoded JSON starts with "%7B", which is never valid JSON, so a
    // document that is plain JSON is never decoded twice.
    parsed = JSON.parse(decodeURIComponent(text));
  }
  return canonicalPolicy(parsed as Json);
}

/**
 * The canonical form: keys sorted, `Statement` a list, string sets sorted
 * without duplicates and a one-element set as a bare string, account-id
 * principals as the bare id. Tolerates malformed input (validation reports it).
 */
export function canonicalPolicy(document: Json): JsonObject {
  if (!isObject(document)) return document as unknown as JsonObject;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(document)) {
    if (key === "Statement") out.Statement = (Array.isArray(value) ? value : [value]).map(canonicalStatement);
    else out[key] = sortKeys(value);
  }
  return sortKeys(out) as JsonObject;
}

function canonicalStatement(statement: Json): Json {
  if (!isObject(statement)) return statement;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(statement)) {
    if (SET_FIELDS.has(key)) out[key] = stringSet(value);
    else if (PRINCIPAL_FIELDS.has(key) && isObject(value)) out[key] = mapValues(value, (v) => stringSet(v, accountId));
    else if (key === "Condition" && isObject(value))
      out[key] = mapValues(value, (op) => (isObject(op) ? mapValues(op, (v) => stringSet(v)) : op));
    else out[key] = value;
  }
  return sortKeys(out);
}

function accountId(principal: string): string {
  return ACCOUNT_ROOT.exec(principal)?.[1] ?? principal;
}

/** `["b", "a"]` → `["a", "b"]`, `["a"]` → `"a"`; anything else untouched but key-sorted. */
function stringSet(value: Json | undefined, each: (s: string) => string = (s) => s): Json {
  if (typeof value === "string") return each(value);
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) return sortKeys(value ?? null);
  const unique = [...new Set((value as string[]).map(each))].sort();
  return unique.length === 1 ? unique[0]! : unique;
}

function mapValues(object: JsonObject, fn: (value: Json) => Json): JsonObject {
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((k) => [k, fn(object[k]!)]),
  );
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isObject(value)) return mapValues(value, sortKeys);
  return value;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The compact JSON AWS is sent, and whose length counts against IAM's size quotas. */
export function policyText(document: JsonObject): string {
  return JSON.stringify(document);
}

export function samePolicy(a: JsonObject | undefined, b: JsonObject | undefined): boolean {
  return a !== undefined && b !== undefined && policyText(a) === policyText(b);
}

const EXAMPLE = {
  trust:
    '{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }',
  permissions: '{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::my-bucket/*" }] }',
};

/**
 * Checks the shape of a policy document. A trust policy names who may assume
 * the role (`Principal`); a permissions policy names what it may do on which
 * `Resource`, and may not have a `Principal`. IAM's own grammar checks
 * (action names, ARNs) stay with IAM, which reports them on apply.
 */
export function isPolicy(kind: "trust" | "permissions"): Check {
  return (value, name) => {
    const fix = `Pass a policy document object such as ${EXAMPLE[kind]}`;
    if (!isObject(value)) return { message: `${name} must be a policy document object`, found: value, fix };
    const version = value.Version;
    if (version !== undefined && version !== "2012-10-17" && version !== "2008-10-17") {
      return {
        message: `${name}.Version must be "2012-10-17"`,
        found: version,
        fix: 'Use Version: "2012-10-17", the current policy language',
      };
    }
    const statements = value.Statement === undefined ? [] : Array.isArray(value.Statement) ? value.Statement : [value.Statement];
    if (statements.length === 0) return { message: `${name} must have at least one Statement`, found: value, fix };
    for (let i = 0; i < statements.length; i++) {
      const issue = statementIssue(statements[i], `${name}.Statement[${i}]`, kind);
      if (issue) return issue;
    }
    return undefined;
  };
}

function statementIssue(statement: Json | undefined, at: string, kind: "trust" | "permissions"): Issue | undefined {
  if (!isObject(statement)) return { message: `${at} must be an object`, found: statement, fix: `Write statements as ${EXAMPLE[kind]}` };
  if (statement.Effect !== "Allow" && statement.Effect !== "Deny") {
    return { message: `${at}.Effect must be "Allow" or "Deny"`, found: statement.Effect ?? null, fix: 'Add Effect: "Allow"' };
  }
  if (statement.Action === undefined && statement.NotAction === undefined) {
    return {
      message: `${at} must have an Action`,
      found: statement,
      fix: kind === "trust" ? 'Add Action: "sts:AssumeRole"' : 'Add the actions it allows, e.g. Action: "s3:GetObject"',
    };
  }
  const hasPrincipal = statement.Principal !== undefined || statement.NotPrincipal !== undefined;
  if (kind === "trust" && !hasPrincipal) {
    return {
      message: `${at} must have a Principal: who may assume the role`,
      found: statement,
      fix: 'Add Principal: { Service: "ec2.amazonaws.com" }, or use assumedBy instead of trustPolicy',
    };
  }
  if (kind === "permissions" && hasPrincipal) {
    return {
      message: `${at} may not have a Principal: a role's permissions apply to whoever assumed it`,
      found: statement.Principal ?? statement.NotPrincipal,
      fix: "Remove Principal; say who may assume the role with assumedBy or trustPolicy",
    };
  }
  if (kind === "permissions" && statement.Resource === undefined && statement.NotResource === undefined) {
    return {
      message: `${at} must have a Resource`,
      found: statement,
      fix: 'Add the resources it applies to, e.g. Resource: "arn:aws:s3:::my-bucket/*", or Resource: "*"',
    };
  }
  return undefined;
}

const SERVICE_PRINCIPAL = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
/** https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html: inline policies of a role together. */
const INLINE_POLICIES_MAX_CHARS = 10_240;

/** `assumedBy`: one AWS service principal or a list of them. */
export const isServices: Check = (value, name) => {
  const services = typeof value === "string" ? [value] : value;
  const fix = 'Name the service principal, e.g. assumedBy="ec2.amazonaws.com", or pass a trustPolicy';
  if (!Array.isArray(services) || services.length === 0)
    return { message: `${name} must be a service principal or a list of them`, found: value, fix };
  const bad = services.find((s) => typeof s !== "string" || !SERVICE_PRINCIPAL.test(s));
  return bad === undefined
    ? undefined
    : { message: `${name} must name AWS service principals ending in ".amazonaws.com"`, found: bad, fix };
};

/** `inlinePolicies`: policy names to permissions policies, within IAM's size quota for a role. */
export const isInlinePolicies: Check = (value, name) => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      message: `${name} must map policy names to policy documents`,
      found: value,
      fix: 'Use inlinePolicies={{ "read-assets": { Version: "2012-10-17", Statement: [...] } }}',
    };
  }
  for (const [policy, document] of Object.entries(value)) {
    if (!POLICY_NAME.test(policy)) {
      return {
        message: `${name} keys must be policy names: 1 to 128 letters, digits or "_+=,.@-"`,
        found: policy,
        fix: 'Use a name such as "read-assets"',
      };
    }
    const issue = isPolicy("permissions")(document, `${name}["${policy}"]`);
    if (issue) return issue;
  }
  const size = Object.values(value as Record<string, JsonObject>).reduce((n, d) => n + policyText(d).length, 0);
  if (size > INLINE_POLICIES_MAX_CHARS) {
    return {
      message: `${name} must be at most ${INLINE_POLICIES_MAX_CHARS} characters together`,
      found: `${size} characters`,
      fix: "Move large policies into managed policies and list their ARNs in managedPolicies",
    };
  }
  return undefined;
};
