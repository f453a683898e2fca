import { createHash } from "node:crypto";
import { paginateGetAccountAuthorizationDetails, type RoleDetail, type Tag } from "@aws-sdk/client-iam";
import { iam } from "../aws/clients.js";
import { is, type Check, type ListOptions, type ParticleContext } from "@jiti/reconciler/particle";
import { PATH_TAG, PROTECT_TAG, STACK_TAG } from "../aws/tags.js";

/**
 * What IAM roles and instance profiles share: where they live, how they are
 * named, how their tags are brought to the desired ones.
 *
 * IAM cannot list by tag, so the stack's IAM resources live under the IAM path
 * `/jiti/<stack>/` and are listed with `PathPrefix`; the `jiti:stack` and
 * `jiti:path` tags, set by the create call, still decide ownership.
 */
export function iamPath(stack: string): string {
  return `/jiti/${stack}/`;
}

/** The IAM paths a list reads: the prefix it asks IAM for, and which paths it found are a stack's. */
export interface IamPaths {
  prefix: string;
  /** Whether a listed path is a stack's (a deeper one is not): what is worth reading further. */
  holds: (path: string | undefined) => boolean;
}

/**
 * Where `list` finds IAM resources: under the stack's path, or (`allStacks`)
 * under every jiti stack's, each owned by the stack its path and its
 * `jiti:stack` tag both name.
 */
export function listScope(
  ctx: ParticleContext,
  options: ListOptions = {},
): IamPaths & { owned: (path: string | undefined, tags: Record<string, string>) => boolean } {
  if (!options.allStacks) {
    const prefix = iamPath(ctx.stack);
    return { prefix, holds: (path) => path === prefix, owned: (path, tags) => ownedBy(ctx, path, tags) };
  }
  return {
    prefix: "/jiti/",
    holds: (iamPathFound) => iamPathFound !== undefined && /^\/jiti\/[^/]+\/$/.test(iamPathFound),
    owned: (path, tags) => tags[STACK_TAG] !== undefined && path === iamPath(tags[STACK_TAG]),
  };
}

/** Role names are at most 64 characters, instance profile names 128. */
export const NAME_LIMIT = { role: 64, instanceProfile: 128 } as const;
const HASH_LENGTH = 8;

/**
 * The IAM name of an element: `<stack>.<name>.<name>…` from the names along its
 * path (the component name for an unnamed element), e.g. `web-app-dev.app.app`.
 * IAM names are global to the account, so the stack is part of them; stack
 * names have no ".", which keeps one stack's names from colliding with
 * another's. When the readable name is too long, or ambiguous because a path
 * of several names has one containing ".", it is cut and ends in a hash of the stack and
 * path instead. Stack and element names only use characters IAM names allow
 * ([\w+=,.@-]), so nothing needs escaping.
 */
export function iamName(stack: string, element: { path: string; names: readonly string[] }, limit: number): string {
  const { path, names } = element;
  const readable = [stack, ...names].join(".");
  const ambiguous = names.length > 1 && names.some((n) => n.includes("."));
  if (readable.length <= limit && !ambiguous) return readable;
  const hash = createHash("sha256").update(`${stack}/${path}`).digest("hex").slice(0, HASH_LENGTH);
  return `${readable.slice(0, limit - HASH_LENGTH - 1)}-${hash}`;
}

/** Whether a resource found under the stack's IAM path carries the stack's ownership tag. */
export function ownedBy(ctx: ParticleContext, path: string | undefined, tags: Record<string, string>): boolean {
  return path === iamPath(ctx.stack) && tags[STACK_TAG] === ctx.stack;
}

/** Whether a resource is the one this element created (a run killed after its create call leaves one behind). */
export function createdFor(ctx: ParticleContext, elementPath: string, path: string | undefined, tags: Record<string, string>): boolean {
  return ownedBy(ctx, path, tags) && tags[PATH_TAG] === elementPath;
}

/** The record with its keys sorted, so that canonical props compare and print the same every time. */
export function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

export function iamTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/**
 * The tag changes that bring `live` to `desired` (ownership tags included):
 * keys to set and keys to remove. AWS's own `aws:` tags and jiti's ownership
 * tags are never removed. The same rule as EC2's `syncEc2Tags`, for IAM's
 * Tag…/Untag… calls.
 */
export function tagChanges(live: Record<string, string>, desired: Record<string, string>): { set: Tag[]; remove: string[] } {
  return {
    set: iamTags(Object.fromEntries(Object.entries(desired).filter(([k, v]) => live[k] !== v))),
    // jiti's bookkeeping (ownership, a create's token) stays; protection is lifted by leaving it out of the desired tags.
    remove: Object.keys(live).filter((k) => !(k in desired) && !k.startsWith("aws:") && (!k.startsWith("jiti:") || k === PROTECT_TAG)),
  };
}

/** The tags a resource carries once `changes` (from `tagChanges`) are made. */
export function tagsAfter(live: Record<string, string>, changes: { set: Tag[]; remove: string[] }): Record<string, string> {
  const out = { ...live };
  for (const t of changes.set) out[t.Key!] = t.Value ?? "";
  for (const key of changes.remove) delete out[key];
  return out;
}

// Reads of many roles or profiles, a few at a time: the read phase's own helper.
export { mapLimit } from "@jiti/reconciler/particle";

/**
 * The account's roles in detail (GetAccountAuthorizationDetails, Filter Role):
 * trust and inline policies, attached policies, tags, and the instance
 * profiles each role is in, with their tags. One paginated call per run,
 * shared by the Role and InstanceProfile lists of the read phase, so a plan
 * costs the same number of IAM calls for one role or a hundred.
 */
export function roleDetails(ctx: ParticleContext): Promise<RoleDetail[]> {
  const key = "aws.iam.roleDetails";
  const client = iam(ctx);
  if (!ctx.cache.has(`${key}.watch`)) {
    // Any IAM write of the run makes the shared read stale: forget it, so a
    // list after a change (a re-plan with the same context) reads again.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!/^(Get|List)/.test(context.commandName ?? "")) ctx.cache.delete(key);
        return next(args);
      },
      { step: "initialize", name: "jitiForgetRoleDetails" },
    );
    ctx.cache.set(`${key}.watch`, true);
  }
  let details = ctx.cache.get(key) as Promise<RoleDetail[]> | undefined;
  if (!details) {
    details = (async () => {
      const out: RoleDetail[] = [];
      for await (const page of paginateGetAccountAuthorizationDetails({ client, pageSize: 1000 }, { Filter: ["Role"] })) {
        out.push(...(page.RoleDetailList ?? []));
      }
      return out;
    })();
    ctx.cache.set(key, details);
    // A failed read is not kept: the next run (or retry) asks again.
    details.catch(() => ctx.cache.delete(key));
  }
  return details;
}

/** Characters IAM accepts in tag keys and values (EC2 accepts any). */
const IAM_TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * Tags as IAM takes them: the general rules, plus IAM's smaller character
 * set, so that a stack tag such as `team: "web (eu)"` fails at render, not
 * half way through an apply.
 */
export function iamTagsCheck(): Check {
  const general = is.tags();
  return (value, name) => {
    const issue = general(value, name);
    if (issue) return issue;
    for (const [k, v] of Object.entries(value as Record<string, string>)) {
      for (const text of [k, v]) {
        if (!IAM_TAG_TEXT.test(text)) {
          return {
            message: `${name} must use only letters, digits, spaces and _ . : / = + - @ on IAM resources`,
            found: { [k]: v },
            fix: "Change the tag, or set it only on the EC2 resources (IAM rejects other characters)",
          };
        }
      }
    }
    return undefined;
  };
}
