/**
 * Small helpers shared by the EC2 network particle tests (Subnet,
 * InternetGateway, RouteTable, SecurityGroup). Not a test file itself.
 */
import { CreateVpcCommand, EC2Client, type Tag } from "@aws-sdk/client-ec2";
import type { JitiNode } from "@jiti/jsx-runtime";
import { isRefValue, RenderError, renderTree, type Json, type Problem } from "@jiti/reconciler";
import type { MotoHandle } from "../../../test/moto.js";

/** A raw SDK client: it reaches moto through AWS_ENDPOINT_URL, set by useMoto(). */
export const rawEc2 = new EC2Client({});

export async function createVpc(cidr = "10.0.0.0/16"): Promise<string> {
  const out = await rawEc2.send(new CreateVpcCommand({ CidrBlock: cidr }));
  return out.Vpc!.VpcId!;
}

export function tagsOf(tags: readonly Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key!, t.Value ?? ""]));
}

/** Operations moto saw since the last reset (or since `from`), first attempts only. */
export async function operations(moto: MotoHandle, from = 0): Promise<string[]> {
  return (await moto.calls())
    .slice(from)
    .filter((c) => c.attempt === 1)
    .map((c) => c.operation);
}

/** The problems render reports for a tree; [] when it renders. */
export function problemsOf(element: JitiNode): Problem[] {
  try {
    renderTree(element);
    return [];
  } catch (error) {
    if (error instanceof RenderError) return [...error.problems];
    throw error;
  }
}

/** What the reconciler does before create and update: every `{ $ref: path }` becomes the target's id. */
export function withIds<T>(value: T, ids: Record<string, string>): T {
  const resolve = (v: Json): Json => {
    if (isRefValue(v)) {
      const id = ids[v.$ref];
      if (id === undefined) throw new Error(`no id for ${v.$ref}`);
      return id;
    }
    if (Array.isArray(v)) return v.map(resolve);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };
  return resolve(value as Json) as T;
}
