import {
  AssociateRouteTableCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  DeleteRouteCommand,
  DeleteRouteTableCommand,
  DescribeRouteTablesCommand,
  DisassociateRouteTableCommand,
  ReplaceRouteCommand,
  ReplaceRouteTableAssociationCommand,
  paginateDescribeRouteTables,
  type Route as AwsRoute,
  type RouteTable as AwsRouteTable,
} from "@aws-sdk/client-ec2";
import type { Ref } from "@jiti/jsx-runtime";
import type { Issue, Json, LiveResource } from "@jiti/reconciler";
import { checkFields, defineParticle, is, isRefValue, type ParticleContext, type WithDefaults } from "@jiti/reconciler/particle";
import { cidrIssue, networkOf } from "../cidr.js";
import { ec2, ec2Once } from "../aws/clients.js";
import { CREATE_TOKEN_TAG, createOnce } from "../aws/create.js";
import { byIdOrTags, found, idOf } from "../aws/lookup.js";
import { hasCode, ignoreCodes } from "../aws/errors.js";
import { retryOn, waitFor } from "../aws/wait.js";
import { STACK_TAG, ownedBy, stackFilter, syncEc2Tags, tagList, tagMap, tagSpecs, userTags, ownership, retagEc2 } from "../aws/tags.js";
import { routeTableSubnets, routeTargetInVpc } from "../rules/route-table-links.js";
import { ROUTE_TARGETS } from "./route-targets.js";
import { creating, describes, intoOwned, onOwned } from "../aws/grants.js";

/**
 * Where a route sends its traffic: exactly one target. Other kinds of
 * target (NAT gateways, peering connections…) join this union as their
 * particles arrive; see route-targets.ts.
 */
export type RouteTarget = {
  /** An `<InternetGateway>` of the same VPC (a ref), or an existing one's `"igw-…"` id. */
  gateway: Ref<"aws.ec2.InternetGateway"> | string;
};

/** One route of `<RouteTable routes>`: `{ destination: "0.0.0.0/0", gateway: igw }`. */
export type Route = {
  /** The IPv4 block the route matches, any prefix from /0 to /32: `"0.0.0.0/0"` for the internet. */
  destination: string;
} & RouteTarget;

/** Props of `<RouteTable>`, written inside a `<Vpc>`. */
export interface RouteTableProps {
  /**
   * The VPC the table belongs to. Set by render from the enclosing `<Vpc>`;
   * there is no need to pass it. Moving it to another VPC **replaces** it.
   */
  vpc?: Ref<"aws.ec2.Vpc"> | string;
  /**
   * Routes besides the VPC's own `local` route, which AWS adds and jiti
   * leaves alone. Updated in place: only the routes that differ are added,
   * replaced or removed.
   * @default []
   */
  routes?: Route[];
  /**
   * Subnets that use this table: refs to `<Subnet>`s of the same VPC, or
   * existing `"subnet-…"` ids. A subnet uses one table at a time. Updated in
   * place: only the differing associations are made or removed.
   * @default []
   */
  subnets?: (Ref<"aws.ec2.Subnet"> | string)[];
  /** Tags on the table, merged over the stack's tags. `Name` defaults to the stack and path. Updated in place. */
  tags?: Record<string, string>;
}

/** A route as jiti compares it: `{ destination, <target kind>: id }`. */
export type RouteEntry = { destination: string } & { [target: string]: Json };

/** A route table as DescribeRouteTables reports it, its routes in the form jiti compares them in (`RouteEntry`). */
export interface RouteTableData {
  vpc: string;
  /** Routes the table's owner added (not `local`, not propagated), canonical. */
  routes: RouteEntry[];
  /** Subnet associations, the main one excluded. */
  associations: { id: string; subnet: string }[];
  /** Whether this is the VPC's main table, which jiti never changes. */
  main: boolean;
  tags: Record<string, string>;
}

const TYPE = "aws.ec2.RouteTable";
const NOT_FOUND = ["InvalidRouteTableID.NotFound"];

/** Route targets jiti can set, one for every key of RouteTarget. */
const TARGETS = ROUTE_TARGETS satisfies Record<
  keyof RouteTarget,
  { param: keyof AwsRoute; component: string; type: string; prefix: string }
>;

/**
 * Targets jiti does not set but may find on its tables (added by hand):
 * observed under these keys so that the plan shows them and update removes them.
 */
const FOREIGN_TARGETS: readonly [string, keyof AwsRoute][] = [
  ["natGateway", "NatGatewayId"],
  ["transitGateway", "TransitGatewayId"],
  ["vpcPeeringConnection", "VpcPeeringConnectionId"],
  ["networkInterface", "NetworkInterfaceId"],
  ["instance", "InstanceId"],
  ["carrierGateway", "CarrierGatewayId"],
  ["localGateway", "LocalGatewayId"],
  ["coreNetwork", "CoreNetworkArn"],
];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
/** Locale-independent, so every machine renders the same order. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Routes in canonical form: `destination` first, then the target, sorted
 * by destination. Lists that are not well formed are returned as they are,
 * for validate to report with the user's own indexes.
 */
function canonicalRoutes(routes: unknown): unknown {
  if (!Array.isArray(routes) || !routes.every((r) => isObject(r) && typeof r.destination === "string")) return routes;
  return (routes as RouteEntry[])
    .map(
      ({ destination, ...target }) =>
        ({ destination, ...Object.fromEntries(Object.entries(target).sort(([a], [b]) => compare(a, b))) }) as RouteEntry,
    )
    .sort((a, b) => compare(a.destination, b.destination));
}

const subnetKey = (s: unknown) => (isRefValue(s) ? `$ref:${s.$ref}` : String(s));

/** Subnets sorted (ids, or refs before the reconciler resolves them), so order in `stack.tsx` does not matter. */
function canonicalSubnets(subnets: unknown): unknown {
  if (!Array.isArray(subnets) || !subnets.every((s) => typeof s === "string" || isRefValue(s))) return subnets;
  return [...subnets].sort((a, b) => compare(subnetKey(a), subnetKey(b)));
}

function observedRoute(route: AwsRoute): RouteEntry[] {
  // IPv6 and prefix-list destinations are not managed yet; the local route and propagated ones are not ours.
  const destination = route.DestinationCidrBlock;
  if (!destination || route.GatewayId === "local" || route.Origin === "CreateRouteTable" || route.Origin === "EnableVgwRoutePropagation")
    return [];
  for (const [key, target] of Object.entries(TARGETS)) {
    const value = route[target.param];
    if (typeof value === "string") return [{ destination, [key]: value }];
  }
  for (const [key, field] of FOREIGN_TARGETS) {
    const value = route[field];
    if (typeof value === "string") return [{ destination, [key]: value }];
  }
  return [{ destination, target: "unknown" }];
}

function toLive(table: AwsRouteTable): LiveResource<RouteTableData> {
  const tags = tagMap(table.Tags);
  const associations = (table.Associations ?? []).filter(
    (a) => !a.Main && a.SubnetId && a.AssociationState?.State !== "disassociated" && a.AssociationState?.State !== "disassociating",
  );
  return {
    type: TYPE,
    id: table.RouteTableId!,
    ...ownership(tags),
    data: {
      vpc: table.VpcId ?? "",
      routes: canonicalRoutes((table.Routes ?? []).flatMap(observedRoute)) as RouteEntry[],
      associations: associations.map((a) => ({ id: a.RouteTableAssociationId!, subnet: a.SubnetId! })),
      main: (table.Associations ?? []).some((a) => a.Main),
      tags,
    },
  };
}

async function describe(ctx: ParticleContext, id: string): Promise<AwsRouteTable | undefined> {
  try {
    const out = await ec2(ctx).send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }));
    return out.RouteTables?.[0];
  } catch (error) {
    // Just created, a table may not be visible yet (eventual consistency).
    if (hasCode(error, ...NOT_FOUND)) return undefined;
    throw error;
  }
}

/** CreateRoute/ReplaceRoute parameters naming the route's target. */
function targetParams(route: RouteEntry) {
  const params: Partial<Record<(typeof TARGETS)[keyof typeof TARGETS]["param"], string>> = {};
  for (const [key, target] of Object.entries(TARGETS)) {
    if (route[key] !== undefined) params[target.param] = idOf(route[key], `route to ${route.destination}: ${key}`);
  }
  return params;
}

/** Adds, replaces and removes only the routes that differ. */
/** Brings the routes to the desired ones; answers them as the table then holds them. */
async function applyRoutes(
  ctx: ParticleContext,
  id: string,
  live: readonly RouteEntry[],
  desired: readonly RouteEntry[],
): Promise<RouteEntry[]> {
  const client = ec2(ctx);
  const have = new Map(live.map((r) => [r.destination, r]));
  const want = new Map(desired.map((r) => [r.destination, r]));
  for (const [destination, route] of want) {
    const current = have.get(destination);
    const replace = () =>
      client.send(new ReplaceRouteCommand({ RouteTableId: id, DestinationCidrBlock: destination, ...targetParams(route) }));
    if (!current) {
      try {
        await client.send(new CreateRouteCommand({ RouteTableId: id, DestinationCidrBlock: destination, ...targetParams(route) }));
      } catch (error) {
        // There already: made by an attempt whose reply was lost, or by hand. Point it where it should go.
        if (!hasCode(error, "RouteAlreadyExists")) throw error;
        await replace();
      }
    } else if (JSON.stringify(current) !== JSON.stringify(route)) {
      await replace();
    }
  }
  for (const destination of have.keys()) {
    if (want.has(destination)) continue;
    await ignoreCodes(["InvalidRoute.NotFound"], () =>
      client.send(new DeleteRouteCommand({ RouteTableId: id, DestinationCidrBlock: destination })),
    );
  }
  return [...desired];
}

/** Brings the subnet associations to the desired ones; answers them as the table then holds them. */
async function applyAssociations(
  ctx: ParticleContext,
  id: string,
  live: RouteTableData["associations"],
  desired: readonly string[],
): Promise<RouteTableData["associations"]> {
  const client = ec2(ctx);
  const out: RouteTableData["associations"] = [];
  for (const subnet of desired) {
    const current = live.find((a) => a.subnet === subnet);
    out.push(current ?? { id: await associate(ctx, id, subnet), subnet });
  }
  for (const association of live) {
    if (desired.includes(association.subnet)) continue;
    await ignoreCodes(["InvalidAssociationID.NotFound"], () =>
      client.send(new DisassociateRouteTableCommand({ AssociationId: association.id })),
    );
  }
  return out;
}

/**
 * Associates the subnet with the table, taking it from another table of the
 * stack's in one call (a subnet is in one table at a time). Answers the
 * association's id.
 */
async function associate(ctx: ParticleContext, id: string, subnet: string): Promise<string> {
  const client = ec2(ctx);
  const holder = async () => {
    const out = await client.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "association.subnet-id", Values: [subnet] }] }));
    for (const table of out.RouteTables ?? []) {
      const association = table.Associations?.find((a) => a.SubnetId === subnet && !a.Main);
      if (association) return { table, association };
    }
    return undefined;
  };
  const held = await holder();
  if (held?.table.RouteTableId === id) return held.association.RouteTableAssociationId!;
  if (held) {
    const owner = tagMap(held.table.Tags)[STACK_TAG];
    if (owner !== ctx.stack) {
      throw Object.assign(
        new Error(
          `subnet ${subnet} uses route table ${held.table.RouteTableId}, which this stack does not own (found: jiti:stack=${owner ?? "none"}); remove that association first, outside jiti`,
        ),
        { code: "NotOwned" },
      );
    }
    try {
      const out = await client.send(
        new ReplaceRouteTableAssociationCommand({ AssociationId: held.association.RouteTableAssociationId!, RouteTableId: id }),
      );
      return out.NewAssociationId!;
    } catch (error) {
      // The other table let go in the meantime: a plain association will do.
      if (!hasCode(error, "InvalidAssociationID.NotFound")) throw error;
    }
  }
  try {
    return (await client.send(new AssociateRouteTableCommand({ RouteTableId: id, SubnetId: subnet }))).AssociationId!;
  } catch (error) {
    // Associated already: by an attempt whose reply was lost, if it is with this table.
    if (!hasCode(error, "Resource.AlreadyAssociated")) throw error;
    const now = await holder();
    if (now?.table.RouteTableId !== id) throw error;
    return now.association.RouteTableAssociationId!;
  }
}

/** The props render fills in when not given. */
type Defaulted = "routes" | "subnets";

function desiredRoutes(props: WithDefaults<RouteTableProps, Defaulted>): RouteEntry[] {
  return canonicalRoutes(props.routes) as RouteEntry[];
}

function desiredSubnets(props: WithDefaults<RouteTableProps, Defaulted>): string[] {
  return props.subnets.map((s) => idOf(s, "subnets"));
}

async function removeTable(ctx: ParticleContext, id: string) {
  const table = await describe(ctx, id);
  if (!table) return;
  const live = toLive(table);
  // A guard, not a path jiti takes: its own tables are never the main one.
  if (live.data.main) throw new Error(`route table ${id} is the main route table of ${live.data.vpc}; jiti never deletes it`);
  await applyAssociations(ctx, id, live.data.associations, []);
  // DependencyViolation until AWS has finished the disassociation.
  await retryOn(ctx, ["DependencyViolation"], `route table ${id} to have no associations`, () =>
    ignoreCodes(NOT_FOUND, () => ec2(ctx).send(new DeleteRouteTableCommand({ RouteTableId: id }))),
  );
}

/** A route table of a VPC, its routes, and the subnets that use it. */
export const RouteTable = defineParticle<RouteTableProps, RouteTableData, "aws.ec2.RouteTable", Defaulted>({
  type: TYPE,
  name: "RouteTable",
  parents: ["Vpc"],
  parentProp: "vpc",
  references: ["InternetGateway", "Subnet"],
  rules: [routeTargetInVpc, routeTableSubnets],
  nameTag: true,
  props: { vpc: "replace", routes: "update", subnets: "update", tags: "update" },
  defaults: { routes: [], subnets: [] },
  permissions: {
    list: [describes("ec2:DescribeRouteTables")],
    lookup: [describes("ec2:DescribeRouteTables")],
    // Finding the table a create whose reply was lost made.
    create: [
      ...creating("route-table", "ec2:CreateRouteTable"),
      intoOwned("vpc", "ec2:CreateRouteTable"),
      describes("ec2:DescribeRouteTables"),
    ],
    // Its routes (one found there already is pointed where it should go) and subnets (taken from the table that has them).
    configure: [
      onOwned("route-table", "ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:AssociateRouteTable", "ec2:ReplaceRouteTableAssociation"),
      intoOwned("subnet", "ec2:AssociateRouteTable", "ec2:ReplaceRouteTableAssociation"),
      describes("ec2:DescribeRouteTables"),
    ],
    update: [
      onOwned(
        "route-table",
        "ec2:CreateRoute",
        "ec2:ReplaceRoute",
        "ec2:DeleteRoute",
        "ec2:AssociateRouteTable",
        "ec2:ReplaceRouteTableAssociation",
        "ec2:DisassociateRouteTable",
        "ec2:CreateTags",
        "ec2:DeleteTags",
      ),
      intoOwned("subnet", "ec2:AssociateRouteTable", "ec2:ReplaceRouteTableAssociation", "ec2:DisassociateRouteTable"),
      describes("ec2:DescribeRouteTables"),
    ],
    retag: [onOwned("route-table", "ec2:CreateTags", "ec2:DeleteTags")],
    delete: [
      onOwned("route-table", "ec2:DisassociateRouteTable", "ec2:DeleteRouteTable"),
      intoOwned("subnet", "ec2:DisassociateRouteTable"),
      describes("ec2:DescribeRouteTables"),
    ],
  },

  normalize(props) {
    return {
      ...props,
      ...(props.routes !== undefined ? { routes: canonicalRoutes(props.routes) as Route[] } : {}),
      ...(props.subnets !== undefined ? { subnets: canonicalSubnets(props.subnets) as RouteTableProps["subnets"] } : {}),
    };
  },

  validate(props) {
    const issues = checkFields(props as never, {
      routes: { check: is.arrayOf(routeIssue) },
      subnets: { check: is.arrayOf(is.refOrId("Subnet", "subnet-")) },
      tags: { check: is.tags() },
    });
    if (issues.length > 0) return issues;
    return destinationIssues(props.routes);
  },

  retag: retagEc2,

  async list(ctx, options) {
    const out: LiveResource<RouteTableData>[] = [];
    for await (const page of paginateDescribeRouteTables({ client: ec2(ctx), pageSize: 100 }, { Filters: stackFilter(ctx, options) })) {
      for (const table of page.RouteTables ?? []) out.push(toLive(table));
    }
    return out;
  },

  async lookup(ctx, existing) {
    return found(NOT_FOUND, async () =>
      (await ec2(ctx).send(new DescribeRouteTablesCommand(byIdOrTags("RouteTableIds", existing)))).RouteTables?.map(toLive),
    );
  },

  observe(live) {
    return {
      vpc: live.data.vpc,
      routes: live.data.routes,
      subnets: canonicalSubnets(live.data.associations.map((a) => a.subnet)),
      tags: userTags(live.data.tags),
    };
  },

  async create(ctx, desired) {
    const made = await createOnce(ctx, {
      what: `route table ${desired.path}`,
      send: async (token) =>
        (
          await ec2Once(ctx).send(
            new CreateRouteTableCommand({
              VpcId: idOf(desired.props.vpc, "vpc"),
              TagSpecifications: tagSpecs("route-table", desired, token),
              // Idempotent on AWS: a second attempt is answered with the first one's table.
              ClientToken: token[CREATE_TOKEN_TAG],
            }),
          )
        ).RouteTable!,
      find: async (token) =>
        (await ec2(ctx).send(new DescribeRouteTablesCommand({ Filters: ownedBy(ctx, desired.path, token) }))).RouteTables?.[0],
    });
    return toLive({ ...made, Tags: made.Tags?.length ? made.Tags : tagList(desired.tags) });
  },

  async configure(ctx, live, desired) {
    // Right after its create, AWS may not show the table yet (eventual consistency).
    const routes = await retryOn(ctx, NOT_FOUND, `route table ${live.id} to be visible`, () =>
      applyRoutes(ctx, live.id, live.data.routes, desiredRoutes(desired.props)),
    );
    const associations = await applyAssociations(ctx, live.id, live.data.associations, desiredSubnets(desired.props));
    return { ...live, data: { ...live.data, routes, associations } };
  },

  async update(ctx, live, desired, changed) {
    if (live.data.main) throw new Error(`route table ${live.id} is the main route table of ${live.data.vpc}; jiti never changes it`);
    const data = { ...live.data };
    if (changed.includes("routes")) data.routes = await applyRoutes(ctx, live.id, live.data.routes, desiredRoutes(desired.props));
    if (changed.includes("subnets"))
      data.associations = await applyAssociations(ctx, live.id, live.data.associations, desiredSubnets(desired.props));
    if (changed.includes("tags")) data.tags = await syncEc2Tags(ec2(ctx), live.id, live.data.tags, desired.tags);
    return { ...live, ...ownership(data.tags), data };
  },

  async delete(ctx, live) {
    await removeTable(ctx, live.id);
  },

  outputs(live) {
    return { id: live.id };
  },
});

/** One route: an IPv4 destination and exactly one known target. */
function routeIssue(value: unknown, name: string): Issue | undefined {
  const example = '{ destination: "0.0.0.0/0", gateway: gw }';
  if (!isObject(value)) return { message: `${name} must be a route object`, found: value, fix: `Use ${example}` };
  if (value.destination === undefined) return { message: `${name}.destination is required`, found: value, fix: `Use ${example}` };
  const destination = destinationIssue(value.destination, `${name}.destination`);
  if (destination) return destination;
  const keys = Object.keys(value).filter((k) => k !== "destination");
  const known = Object.keys(TARGETS);
  const unknown = keys.find((k) => !(k in TARGETS));
  if (unknown)
    return { message: `${name} has an unknown key "${unknown}"`, found: value, fix: `Name the target with one of: ${known.join(", ")}` };
  if (keys.length !== 1)
    return { message: `${name} must have exactly one target (${known.join(", ")})`, found: value, fix: `Use ${example}` };
  const key = keys[0] as keyof typeof TARGETS;
  return is.refOrId(TARGETS[key].component, TARGETS[key].prefix)(value[key], `${name}.${key}`);
}

/** Any IPv4 block; cidrIssue's generic example would be "10.0.0.0/0" here, so invalid text gets its own. */
function destinationIssue(value: unknown, name: string): Issue | undefined {
  const issue = cidrIssue(value, name, 0, 32);
  if (!issue || (typeof value === "string" && networkOf(value))) return issue;
  return { message: `${name} must be an IPv4 CIDR block`, found: value, fix: 'Use a block such as "0.0.0.0/0" or "10.1.0.0/16"' };
}

/** Routes for one destination twice: AWS keeps one route per destination. */
function destinationIssues(routes: readonly Route[]): Issue[] {
  const seen = new Set<string>();
  return routes.flatMap((route) => {
    const twice = seen.has(route.destination);
    seen.add(route.destination);
    return twice
      ? [{ message: `routes has two routes for ${route.destination}`, found: route.destination, fix: "Keep one route per destination" }]
      : [];
  });
}
