/**
 * EC2 helpers for the particle tests against moto (Vpc, Subnet,
 * InternetGateway, RouteTable, SecurityGroup, Ec2): a raw SDK client, what
 * tests build or read with it, and an AWS error moto cannot produce. Not a
 * test file itself.
 */
import { CreateVpcCommand, EC2Client, EC2ServiceException, type Tag } from "@aws-sdk/client-ec2";
import type { ParticleContext } from "@jiti/reconciler/particle";
import { ec2 as particleEc2 } from "../src/aws/clients.js";

/** A raw SDK client: it reaches moto through AWS_ENDPOINT_URL, set by useMoto(). */
export const rawEc2 = new EC2Client({});

export async function createVpc(cidr = "10.0.0.0/16"): Promise<string> {
  const out = await rawEc2.send(new CreateVpcCommand({ CidrBlock: cidr }));
  return out.Vpc!.VpcId!;
}

export function tagsOf(tags: readonly Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key!, t.Value ?? ""]));
}

/**
 * Makes the particle's own EC2 client answer the next `operation` with an
 * AWS error `code` instead of sending it, once; every other request reaches
 * moto. For AWS behaviour moto cannot produce (see the tests using it).
 */
export function injectOnce(ctx: ParticleContext, operation: string, code: string) {
  let armed = true;
  particleEc2(ctx).middlewareStack.add(
    (next, context) => async (args) => {
      if (armed && context.commandName === `${operation}Command`) {
        armed = false;
        throw new EC2ServiceException({ name: code, $fault: "client", $metadata: {}, message: `injected ${code}` });
      }
      return next(args);
    },
    { step: "initialize", name: `inject-${operation}-${code}` },
  );
}
