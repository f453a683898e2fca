import { createElement, type JitiElement, type JitiNode, type Kinded, type Ref } from "@jiti/jsx-runtime";
import type { Issue } from "./problems.js";
import type { Rule } from "./rules/types.js";

/**
 * The particle contract. A particle is plain data plus functions: what the
 * resource accepts (props, parents, validation) and how it lives in the cloud
 * (list, create, update, delete, outputs). The reconciler drives particles
 * only through this interface and never imports an AWS client.
 */

/** The key under which a component made by `defineParticle` holds its particle; read it with `particleOf`. Registered, so two copies of the package agree. */
export const PARTICLE = Symbol.for("jiti.particle");

/**
 * The ownership tags: what the reconciler puts on every resource it has a
 * particle create (in the create call itself), and what a particle's `list`
 * reads back into `LiveResource.stack`, `.path` and `.protected`. jiti never
 * changes a resource whose `jiti:stack` is not the run's.
 */
export const STACK_TAG = "jiti:stack";
/** The element's path, by which a plan matches a resource to its element. */
export const PATH_TAG = "jiti:path";
/** Set (to "true") on the resources of elements with `protect`. */
export const PROTECT_TAG = "jiti:protect";
/** Set (to "true") on resources whose delete lets go of them instead (`<Volume retain>`): read back into `LiveResource.retained`. */
export const RETAIN_TAG = "jiti:retain";
/**
 * When the resource was made (ISO 8601, UTC), set by its create call: EC2
 * keeps no creation time of a VPC or a subnet, and `jiti stacks` shows a
 * stack's age from the oldest.
 */
export const CREATED_TAG = "jiti:created";
/**
 * When the stack expires (ISO 8601, UTC), on every resource of a stack with
 * `<Stack expires>`: set by the create call, renewed by each apply, and what
 * `jiti sweep` reads.
 */
export const EXPIRES_TAG = "jiti:expires";
/** When an apply last renewed the stack's expiry (ISO 8601, UTC). */
export const RENEWED_TAG = "jiti:renewed";

/** Plain JSON, what trees and plans are made of. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** A JSON object: a particle's props, data and outputs. */
export type JsonObject = { [key: string]: Json };

/** A reference in a rendered tree: the target element's path. Resolves to the target's `id`. */
export interface RefValue {
  $ref: string;
}

/** How a replace runs: the new resource first, or the old one gone first. */
export type ReplaceStrategy = "create-before-delete" | "delete-first";

/** The strategy a particle uses for these props. */
export function replaceStrategyOf(
  particle: { replaceStrategy?: ReplaceStrategy | ((props: never) => ReplaceStrategy) },
  props: JsonObject,
): ReplaceStrategy {
  const strategy = particle.replaceStrategy;
  return typeof strategy === "function" ? strategy(props as never) : (strategy ?? "create-before-delete");
}

/** How a change to a prop is applied to a live resource. */
export type Mutability = "update" | "replace";

/** Desired state of an element (from Particle Cloud Framework). */
export type DesiredState = "running" | "stopped" | "terminated";

/** An existing resource: by its id, or by a tag lookup that must match exactly one. */
export type Existing = { id: string } | { tags: Record<string, string> };

/** Props every particle component accepts besides its own. */
export interface CommonProps<Kind extends string> {
  /** Identity of the element among its siblings, and the last segment of its path. Renaming replaces the resource. */
  name?: string;
  /** Binds a reference created with `ref(Component)` to this element. */
  ref?: Ref<Kind>;
  /** Desired state. `terminated` removes the resource and everything inside it. @default "running" */
  state?: DesiredState;
  /**
   * Props whose change should replace the resource even though it can be
   * updated in place (as Pulumi's `replaceOnChanges`), e.g. `["type"]`.
   */
  replaceOnChanges?: string[];
  /**
   * Rules this element is excused from, each with the reason, which is shown
   * wherever the finding would be: `waive={{ "public-ssh": "bastion host, ticket OPS-12" }}`.
   * A waiver for a rule that finds nothing here is reported as stale.
   */
  waive?: Record<string, string>;
  /**
   * Protects the resource: a plan that would delete or replace it fails
   * before any change, and `destroy` refuses while it exists. Recorded on the
   * resource as the tag `jiti:protect`, so `jiti destroy --stack NAME` from
   * tags alone honours it too. To lift it, remove `protect` and apply.
   */
  protect?: boolean;
  /** Child particles, which take what they need from this one (a Subnet its VPC id). */
  children?: JitiNode;
}

/** Props of a particle component: its own props, or `existing` to adopt a resource jiti does not own. */
export type ParticleProps<Props, Kind extends string> = CommonProps<Kind> &
  (
    | (Props & { existing?: undefined })
    | {
        /**
         * Use a resource that already exists instead of creating one: it is
         * read, its outputs flow to children and references, and it is never
         * changed or deleted. A tag lookup must match exactly one resource.
         */
        existing: Existing;
      }
  );

/** What `defineParticle` returns: the component a `stack.tsx` writes, carrying its particle and its kind (for `ref`). */
export interface ParticleComponent<Props, Kind extends string> extends Kinded<Kind> {
  (props: ParticleProps<Props, Kind>): JitiElement;
  readonly [PARTICLE]: AnyParticle;
}

/** A resource as AWS reports it, tagged back to its element. */
export interface LiveResource<Data = JsonObject> {
  type: string;
  /** The identifier AWS APIs address it by (vpc-…, sg-…, a role name). References resolve to it. */
  id: string;
  /** The element path from the `jiti:path` tag (or IAM path); undefined for existing resources. */
  path: string | undefined;
  /** The `jiti:stack` tag (or IAM path) it carries; jiti changes nothing whose stack differs from the run's. */
  stack: string | undefined;
  /** The particle's own view of the resource: JSON, so snapshots and journals can hold it. */
  data: Data;
  /** Running, stopped, pending…: what `jiti ls` shows. */
  status?: string;
  /** Whether it carries the `jiti:protect` tag: jiti neither deletes nor replaces it. */
  protected?: boolean;
  /**
   * Whether its delete keeps it: the particle lets go of it (detaches it and
   * removes the stack's tags) instead of deleting it, so it outlives the stack
   * (`<Volume retain>`). The plan and destroy report it with its id.
   */
  retained?: boolean;
  /**
   * Every tag it carries, jiti's bookkeeping included: where the reconciler
   * reads a stack's lifetime (`jiti:created`, `jiti:expires`) and the tags
   * its resources share. A particle whose kind has no tags leaves it out.
   */
  tags?: Record<string, string>;
}

/** What a `list` is asked for. */
export interface ListOptions {
  /**
   * Every jiti stack's resources of this type (those carrying a
   * `jiti:stack` tag, whatever its value), not only the run's: what `jiti
   * stacks` and `jiti sweep` read. Still one paginated call.
   */
  allStacks?: boolean;
}

/** What the reconciler hands a particle's lifecycle functions. */
export interface ParticleContext {
  /** Stack name: the value of the `jiti:stack` tag. */
  stack: string;
  /** Where and as whom to call AWS; particles build their clients from it. */
  aws: AwsSettings;
  /** A per-run cache (clients, region zones): no module-level state. */
  cache: Map<string, unknown>;
  signal: AbortSignal;
  /** Reports a long wait (`waiting for instance i-… to be running`). */
  progress(message: string): void;
  /**
   * Awaits `wait` as time the step only waits (a poll's pause, a read
   * batched with other steps'): meanwhile another step may work in its
   * place, so that `concurrency` counts steps at work, not steps waiting.
   */
  idle<T>(wait: Promise<T>): Promise<T>;
}

/** Where and as whom to call AWS; what is left out the SDK finds as usual (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL`, the credential chain). */
export interface AwsSettings {
  region?: string;
  profile?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /**
   * Deploy into another account: every call is made as this role, assumed
   * through STS with the credentials found otherwise (the standard chain,
   * `profile` or `credentials`): a central identity deploying into the
   * account a stack belongs in.
   */
  assumeRole?: AssumeRole;
}

/** A role to assume for a run, as STS AssumeRole takes it. */
export interface AssumeRole {
  /** `arn:aws:iam::123456789012:role/deploy`. */
  roleArn: string;
  /** The external id the role's trust policy asks for, if it asks for one. */
  externalId?: string;
  /** What CloudTrail shows for the run's calls. @default "jiti-<stack>" */
  sessionName?: string;
}

/** What create and update are given: desired props with every reference resolved to an id. */
export interface Desired<Props> {
  /** The element's identity: an opaque key, never taken apart (`names` holds what it is made of). */
  path: string;
  name: string | undefined;
  /** The names along the path, outermost first, the component's standing in for an unnamed element: `["main", "public-a"]`. */
  names: readonly string[];
  props: Props;
  /** Ownership and user tags to put on the resource in its create call. */
  tags: Record<string, string>;
  state: DesiredState;
}

/**
 * Props as render hands them to a particle: every prop in `Defaulted` is set
 * (from `defaults` when the user gave none), so the particle never restates
 * a default.
 */
export type WithDefaults<Props, Defaulted extends keyof Props> =
  // The erased particle (AnyParticle) says nothing of its defaults: its props stay as they are (any).
  0 extends 1 & Defaulted ? Props : Omit<Props, Defaulted> & { [K in Defaulted]-?: Exclude<Props[K], undefined> };

/**
 * `Props` are what users write; `Defaulted` names the props that `defaults`
 * fills in, which the particle's own functions then receive as set.
 */
export interface Particle<Props extends object = JsonObject, Data = JsonObject, Defaulted extends keyof Props = never> {
  /** `aws.ec2.Subnet`: used in plans, errors, tags and docs. */
  type: string;
  /** Component name and path segment prefix: `Subnet`. */
  name: string;
  /** Component names this one may be nested in (`Stack` for top level): `["Vpc"]`. */
  parents: readonly string[];
  /** Every prop and how a change to it is applied. A prop missing here is a type error. */
  props: { readonly [K in keyof Props]-?: Mutability };
  /**
   * Component names whose resources this one's props may reference
   * (an instance its security groups). With `parents`, this orders deletes of
   * resources that are no longer in the tree: referrers go first.
   */
  references?: readonly string[];
  /** The prop that receives a reference to the parent element, if the particle needs its parent. */
  parentProp?: keyof Props & string;
  /**
   * Props AWS cannot show back cheaply (user data) or that must not be shown
   * (secrets). `observe` reports them as `digest(value)` of what jiti applied
   * (kept in a tag), or of what `refresh` read; the plan compares digests and
   * shows only digests.
   */
  hashed?: ReadonlyArray<keyof Props & string>;
  /**
   * Props whose references do not order creation: the resource can be made
   * without them and completed once their targets exist (a security group's
   * rules that name another group). Two groups may then refer to each other.
   */
  weakRefs?: ReadonlyArray<keyof Props & string>;
  /**
   * Props AWS keeps unique among the resources of this kind in one parent
   * (a subnet's CIDR block, a fixed group name). When an element is renamed
   * and keeps these values, the new resource waits for the old one's delete.
   */
  uniqueBy?: ReadonlyArray<keyof Props & string>;
  /** Values of props not given: render applies them, and only render. */
  defaults?: [Defaulted] extends [never] ? never : { readonly [K in Defaulted]-?: Exclude<Props[K], undefined> };
  /** Whether the particle may be `stopped` (only instances). */
  stoppable?: boolean;
  /** Whether render adds a readable `Name` tag (`<stack>/<names>`) when the user gives none. EC2 shows it. @default false */
  nameTag?: boolean;
  /**
   * Pure checks of the element's own props (defaults applied, canonical
   * form): every problem at once. What needs other elements is a rule.
   */
  validate?(props: WithDefaults<Props, Defaulted>): Issue[];
  /**
   * The rules about trees that hold this particle: checks across elements
   * (its parent's block, a route to a gateway), run after every `validate`.
   * Rules shared by several particles are run once.
   */
  rules?: readonly Rule[];
  /** Canonical form of props (sorted lists…) so that comparing with `observe` is exact. */
  normalize?(props: WithDefaults<Props, Defaulted>): WithDefaults<Props, Defaulted>;

  /**
   * Turns lookups in desired props into values (an availability zone index
   * into its name, an image lookup into an AMI id). Runs in the read phase,
   * before planning; cache what a run needs once in `ctx.cache`.
   */
  resolve?(ctx: ParticleContext, props: WithDefaults<Props, Defaulted>): Promise<WithDefaults<Props, Defaulted>>;
  /** The stack's live resources of this type (with `allStacks`, every jiti stack's): one paginated call. */
  list(ctx: ParticleContext, options?: ListOptions): Promise<LiveResource<Data>[]>;
  /** A resource jiti does not own, by id or tag lookup: all matches. */
  lookup(ctx: ParticleContext, existing: Existing): Promise<LiveResource<Data>[]>;
  /**
   * Reads, resource by resource, the attributes that `list` does not return
   * and `observe` otherwise takes from what jiti recorded when it applied
   * them (a VPC's DNS settings, an instance's user data): the live resource
   * with those attributes as AWS has them now, so that a change made outside
   * jiti shows in the plan. It costs a call or more per resource, so the read
   * phase calls it only when the run asks (`refreshAttrs`, `jiti plan
   * --refresh-attrs`), and only for resources of rendered elements.
   */
  refresh?(ctx: ParticleContext, live: LiveResource<Data>): Promise<LiveResource<Data>>;
  /** The live resource expressed as props, for diffing with the desired props. */
  observe(live: LiveResource<Data>): Partial<Record<keyof Props, unknown>>;
  /**
   * Makes the resource, with the ownership tags in the create call itself,
   * and returns as soon as what depends on it can be made (it has an id, and
   * whatever AWS needs before dependents use it is done). Everything else
   * goes in `configure`.
   */
  create(ctx: ParticleContext, desired: Desired<WithDefaults<Props, Defaulted>>): Promise<LiveResource<Data>>;
  /**
   * The rest of a create: attributes, rules, policies, waiting until the
   * resource runs. It runs while what depends on the resource is being made
   * (an update that moves a referrer onto a new resource waits for it), and
   * the apply ends when it has. A run stopped in between leaves a resource
   * whose next plan shows what is still to do.
   */
  configure?(ctx: ParticleContext, live: LiveResource<Data>, desired: Desired<WithDefaults<Props, Defaulted>>): Promise<LiveResource<Data>>;
  update(
    ctx: ParticleContext,
    live: LiveResource<Data>,
    desired: Desired<WithDefaults<Props, Defaulted>>,
    changed: ReadonlyArray<keyof Props & string>,
  ): Promise<LiveResource<Data>>;
  delete(ctx: ParticleContext, live: LiveResource<Data>): Promise<void>;
  /**
   * Sets `set` and removes `remove` among jiti's bookkeeping tags
   * (`jiti:expires`) on resources the stack owns, leaving every other tag
   * as it is: how an apply renews the stack's expiry on what it does not
   * otherwise change. One call for many resources where AWS allows it. A
   * particle without it keeps the expiry its resources were made with.
   */
  retag?(
    ctx: ParticleContext,
    resources: readonly LiveResource<Data>[],
    set: Record<string, string>,
    remove: readonly string[],
  ): Promise<void>;
  /** What children and references receive: ids, ARNs, addresses. */
  outputs(live: LiveResource<Data>): JsonObject;
  /**
   * How a replace runs. `create-before-delete` keeps the old one serving
   * until the new one is usable; `delete-first` where AWS forbids two at once
   * (a subnet with the same CIDR block), or a function of the props when it
   * depends on them (a group whose name the user fixed). @default "create-before-delete"
   */
  replaceStrategy?: ReplaceStrategy | ((props: WithDefaults<Props, Defaulted>) => ReplaceStrategy);
  /** Applies `state="stopped"` / `"running"` to an instance. */
  setState?(ctx: ParticleContext, live: LiveResource<Data>, state: DesiredState): Promise<LiveResource<Data>>;
  /**
   * The IAM actions each lifecycle function calls, declared beside the code
   * that calls them, with the resources they may act on: what `jiti
   * permissions` turns into the least-privilege policy of the role that
   * deploys a stack. A test holds them against the calls the SDK makes.
   */
  permissions?: Permissions;
}

/** The lifecycle functions whose AWS calls a deploy policy must allow. */
export type LifecycleVerb = "resolve" | "list" | "lookup" | "refresh" | "create" | "configure" | "update" | "delete" | "setState" | "retag";

/** The IAM actions of each lifecycle function. */
export type Permissions = { readonly [V in LifecycleVerb]?: readonly Grant[] };

/**
 * Actions allowed on resources, under conditions: a statement of an IAM
 * policy, in which `${stack}` stands for the stack's name, `${region}` and
 * `${account}` for where it deploys (`*` unless given).
 */
export interface Grant {
  /** `ec2:CreateVpc` */
  actions: readonly string[];
  /** Resource ARNs (`arn:aws:ec2:${region}:${account}:vpc/*`), or `*` for actions AWS does not scope to resources. */
  resources: readonly string[];
  /** An IAM condition block: `{ StringEquals: { "aws:ResourceTag/jiti:stack": "${stack}" } }`. */
  condition?: GrantCondition;
  /** Why the grant is no narrower (a `*` resource, no tag condition): shown beside the policy. */
  why?: string;
  /**
   * The same actions on a resource the stack adopts with `existing` (a
   * subnet made in a shared VPC): `type` is the adopted element's particle
   * type, `arn` its ARN with `${id}` for its id. Granted by id, or by the
   * tags it is found by, since it carries no tag of the stack's.
   */
  existing?: { type: string; arn: string | readonly string[] };
  /**
   * Grants with the same `shareAs` become one statement: their actions and
   * resources together, and the values of each condition key together. Only
   * for grants where that allows nothing more (a condition decided resource
   * by resource; an action listed beside a resource it never acts on). It
   * keeps the policy under IAM's size limits.
   */
  shareAs?: string;
}

/** An IAM condition block: operator, then condition key, then the value or values. */
export type GrantCondition = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/**
 * A particle of any kind. The contract is generic in each particle's props;
 * collections of particles (a catalogue, `RunOptions.particles`) are
 * heterogeneous, so they are held at this erased type.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyParticle = Particle<any, any, any>;

/** Turns a particle into the component users write in `stack.tsx`. */
export function defineParticle<Props extends object, Data, Kind extends string, Defaulted extends keyof Props = never>(
  particle: Particle<Props, Data, Defaulted> & { type: Kind },
): ParticleComponent<Props, Kind> {
  const component = (props: ParticleProps<Props, Kind>): JitiElement =>
    createElement(component as never, props as Record<string, unknown>, undefined, undefined);
  Object.defineProperties(component, {
    [PARTICLE]: { value: particle },
    kind: { value: particle.type },
    displayName: { value: particle.name },
    name: { value: particle.name },
  });
  return component as unknown as ParticleComponent<Props, Kind>;
}

/** The particle behind a component made by `defineParticle`, or undefined for any other component. */
export function particleOf(type: unknown): AnyParticle | undefined {
  if (typeof type !== "function") return undefined;
  return (type as unknown as Record<symbol, AnyParticle | undefined>)[PARTICLE];
}

/**
 * Stands, in the props handed to `create`, for a weak reference whose target
 * does not exist yet; the particle leaves that part out, and an update
 * completes it once the target exists.
 */
export interface PendingRef {
  $pending: string;
}

/** Whether a value in the props handed to `create` is a `PendingRef`: a weak reference to leave out, which an update completes later. */
export function isPendingRef(value: unknown): value is PendingRef {
  return typeof value === "object" && value !== null && typeof (value as PendingRef).$pending === "string";
}

/** Whether a prop value of a rendered tree is a reference, `{ $ref: path }`. */
export function isRefValue(value: unknown): value is RefValue {
  return typeof value === "object" && value !== null && typeof (value as RefValue).$ref === "string" && Object.keys(value).length === 1;
}
