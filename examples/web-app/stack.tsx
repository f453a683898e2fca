import {
  Ec2,
  InstanceProfile,
  InternetGateway,
  Role,
  RouteTable,
  SecurityGroup,
  Stack,
  Subnet,
  Vpc,
  amazonLinux,
} from "@jiti/aws-particles";
import { CloudInit, NodeApp } from "@jiti/aws-particles/userdata";
import { ref } from "@jiti/jsx-runtime";

/**
 * A web server and the network it needs: a VPC with a public subnet routed
 * to an internet gateway, a security group open on port 80, a role the
 * instance acts as, and the instance itself running `server.ts`.
 *
 *   npx jiti render examples/web-app/stack.tsx --env dev
 */
export default function WebApp({ env }: { env: string }) {
  const gateway = ref(InternetGateway);
  const publicA = ref(Subnet);
  const web = ref(SecurityGroup);
  const profile = ref(InstanceProfile);

  return (
    <Stack name={`web-app-${env}`} tags={{ app: "web-app", env }}>
      <Role name="app" assumedBy="ec2.amazonaws.com" description="The web server's identity">
        <InstanceProfile name="app" ref={profile} />
      </Role>

      <Vpc name="main" cidr="10.0.0.0/16">
        <InternetGateway name="gw" ref={gateway} />
        <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway }]} subnets={[publicA]} />
        <SecurityGroup
          name="web"
          ref={web}
          description="HTTP from anywhere"
          ingress={[{ port: 80, from: "0.0.0.0/0", description: "HTTP" }]}
        />

        <Subnet name="public-a" ref={publicA} cidr="10.0.1.0/24" zone={0} public>
          <Ec2
            name="web"
            type={env === "prod" ? "t3.small" : "t3.micro"}
            image={amazonLinux()}
            securityGroups={[web]}
            profile={profile}
            userData={
              <CloudInit>
                <NodeApp name="web" entry="./server.ts" port={80} />
              </CloudInit>
            }
          />
        </Subnet>
      </Vpc>
    </Stack>
  );
}
