/**
 * EC2 network helpers for the particle tests against moto (Subnet,
 * InternetGateway, RouteTable, SecurityGroup, Vpc): a raw SDK client and
 * what tests build or read with it. Not a test file itself.
 */
import { CreateVpcCommand, EC2Client, type Tag } from "@aws-sdk/client-ec2";

/** A raw SDK client: it reaches moto through AWS_ENDPOINT_URL, set by useMoto(). */
export const rawEc2 = new EC2Client({});

export async function createVpc(cidr = "10.0.0.0/16"): Promise<string> {
  const out = await rawEc2.send(new CreateVpcCommand({ CidrBlock: cidr }));
  return out.Vpc!.VpcId!;
}

export function tagsOf(tags: readonly Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key!, t.Value ?? ""]));
}
