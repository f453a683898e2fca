import { CreateTagsCommand, DeleteTagsCommand, type EC2Client, type Tag } from "@aws-sdk/client-ec2";
import {
  PATH_TAG,
  PROTECT_TAG,
  STACK_TAG,
  type Desired,
  type ListOptions,
  type LiveResource,
  type ParticleContext,
} from "@jiti/reconciler/particle";
import { ec2 } from "./clients.js";

// The ownership tags are the reconciler's contract: named once, there.
export { PATH_TAG, PROTECT_TAG, STACK_TAG };

/** What a resource's tags say of its ownership (its stack, its element path, whether it is protected), and the tags themselves. */
export function ownership(tags: Record<string, string>): Pick<LiveResource, "stack" | "path" | "protected" | "tags"> {
  return { stack: tags[STACK_TAG], path: tags[PATH_TAG], protected: tags[PROTECT_TAG] === "true", tags };
}

/** Tags as a plain map. */
export function tagMap(tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  return out;
}

export function tagList(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** The tags a user manages: everything but jiti's bookkeeping and AWS's own `aws:` tags. */
export function userTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tags)
      .filter(([k]) => !k.startsWith("jiti:") && !k.toLowerCase().startsWith("aws:"))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** Filters finding the stack's resources of one kind (with `allStacks`, every jiti stack's). */
export function stackFilter(ctx: ParticleContext, options: ListOptions = {}) {
  return options.allStacks ? [{ Name: "tag-key", Values: [STACK_TAG] }] : [{ Name: `tag:${STACK_TAG}`, Values: [ctx.stack] }];
}

/** Most resources one CreateTags or DeleteTags call takes. */
const TAG_BATCH = 1000;

/**
 * A particle's `retag` for EC2 resources: jiti's bookkeeping tags set and
 * removed on many resources, a thousand to a call.
 */
export async function retagEc2(
  ctx: ParticleContext,
  resources: readonly LiveResource<unknown>[],
  set: Record<string, string>,
  remove: readonly string[],
) {
  const client = ec2(ctx);
  for (let i = 0; i < resources.length; i += TAG_BATCH) {
    const ids = resources.slice(i, i + TAG_BATCH).map((r) => r.id);
    if (Object.keys(set).length > 0) await client.send(new CreateTagsCommand({ Resources: ids, Tags: tagList(set) }));
    if (remove.length > 0) await client.send(new DeleteTagsCommand({ Resources: ids, Tags: remove.map((Key) => ({ Key })) }));
  }
}

/** Filters finding the resource of one element by its ownership tags, and by `more` tags (a create's token). */
export function ownedBy(ctx: ParticleContext, path: string, more: Record<string, string> = {}) {
  return [
    ...stackFilter(ctx),
    { Name: `tag:${PATH_TAG}`, Values: [path] },
    ...Object.entries(more).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] })),
  ];
}

/** EC2 `TagSpecifications` so that ownership is set by the create call itself. */
export function tagSpecs(resourceType: string, desired: Desired<unknown>, extra: Record<string, string> = {}) {
  return [{ ResourceType: resourceType as never, Tags: tagList({ ...desired.tags, ...extra }) }];
}

/**
 * Brings a resource's tags to the desired ones (ownership tags included):
 * adds, changes and removes only the difference; AWS's own `aws:` tags and
 * jiti's `jiti:` bookkeeping stay.
 */
export async function syncEc2Tags(
  client: EC2Client,
  id: string,
  live: Record<string, string>,
  desired: Record<string, string>,
): Promise<Record<string, string>> {
  const set = Object.entries(desired).filter(([k, v]) => live[k] !== v);
  // jiti's own bookkeeping (ownership, recorded attributes) is set by the particle, never removed here;
  // protection is lifted by leaving it out of the desired tags.
  const removed = Object.keys(live).filter(
    (k) => !(k in desired) && !k.startsWith("aws:") && (!k.startsWith("jiti:") || k === PROTECT_TAG),
  );
  if (set.length > 0) await client.send(new CreateTagsCommand({ Resources: [id], Tags: set.map(([Key, Value]) => ({ Key, Value })) }));
  if (removed.length > 0) await client.send(new DeleteTagsCommand({ Resources: [id], Tags: removed.map((Key) => ({ Key })) }));
  // What the resource now carries, without reading it back.
  const now = { ...live, ...desired };
  for (const key of removed) delete now[key];
  return now;
}
