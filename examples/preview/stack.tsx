import { Ec2, InternetGateway, RouteTable, SecurityGroup, Stack, Subnet, Vpc, amazonLinux } from "@jiti/aws-particles";
import { ref } from "@jiti/jsx-runtime";

/**
 * A preview of the app for each pull request: `--env pr-123` makes the
 * stack `preview-pr-123`, which lives 48 hours past its last apply. Each
 * push renders it again (and renews it); closing the pull request destroys
 * it; a scheduled sweep removes the ones nobody closed. preview.yml is the
 * workflow, sweep.ts the scheduled job.
 *
 *   npx jiti render examples/preview/stack.tsx --env pr-123
 */
export default function Preview({ env }: { env: string }) {
  const gateway = ref(InternetGateway);
  const subnet = ref(Subnet);
  const web = ref(SecurityGroup);

  return (
    <Stack name={`preview-${env}`} tags={{ app: "shop", env, purpose: "preview" }} expires="48h">
      <Vpc name="main" cidr="10.0.0.0/16">
        <InternetGateway name="gw" ref={gateway} />
        <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway }]} subnets={[subnet]} />
        <SecurityGroup
          name="web"
          ref={web}
          description="HTTP from anywhere"
          ingress={[{ port: 80, from: "0.0.0.0/0", description: "HTTP" }]}
        />
        <Subnet name="public" ref={subnet} cidr="10.0.1.0/24" zone={0} public>
          <Ec2 name="web" type="t3.micro" image={amazonLinux()} securityGroups={[web]} />
        </Subnet>
      </Vpc>
    </Stack>
  );
}
