import { Ec2, SecurityGroup, Stack, Subnet, Vpc, amazonLinux } from "@jiti/aws-particles";
import { ref } from "@jiti/jsx-runtime";

/**
 * An app in a network another team owns: the platform team's VPC and
 * private subnets are used, never changed, and the stack owns only what it
 * adds to them (a security group, an instance, a subnet of its own).
 * Destroying it leaves the shared network as it was.
 *
 * The VPC is found by its tags, or passed by id (SHARED_VPC_ID); the
 * subnet by the tags the platform team publishes.
 *
 *   npx jiti render examples/shared-network/stack.tsx --env dev
 */
export default function Reports({ env }: { env: string }) {
  const network = env === "prod" ? "prod" : "nonprod";
  const vpc = process.env.SHARED_VPC_ID ? { id: process.env.SHARED_VPC_ID } : { tags: { "platform:network": network } };
  const reports = ref(SecurityGroup);

  return (
    <Stack name={`reports-${env}`} tags={{ app: "reports", env }}>
      <Vpc name="shared" existing={vpc}>
        <SecurityGroup
          name="reports"
          ref={reports}
          description="Reports API, from the company network"
          ingress={[{ port: 443, from: "10.0.0.0/8", description: "HTTPS from the company network" }]}
        />
        <Subnet name="private-a" existing={{ tags: { "platform:network": network, "platform:tier": "private", "platform:zone": "0" } }}>
          <Ec2 name="api" type="t3.micro" image={amazonLinux()} securityGroups={[reports]} />
        </Subnet>
        <Subnet name="batch" cidr={env === "prod" ? "10.60.200.0/24" : "10.50.200.0/24"} zone={1} />
      </Vpc>
    </Stack>
  );
}
