import { Ec2, InternetGateway, RouteTable, SecurityGroup, Stack, Subnet, Vpc, amazonLinux } from "@jiti/aws-particles";
import { ref } from "@jiti/jsx-runtime";

/** What differs between environments: data only. Sizes, counts and address ranges; never an account, an AMI or a zone name. */
export const ENVIRONMENTS = {
  dev: { cidr: "10.10.0.0/16", zones: 1, workers: 1, type: "t3.micro" },
  qa: { cidr: "10.20.0.0/16", zones: 2, workers: 2, type: "t3.micro" },
  prod: { cidr: "10.30.0.0/16", zones: 3, workers: 3, type: "t3.small" },
} as const;

export type Environment = keyof typeof ENVIRONMENTS;

/** The /24 numbered `n` inside a /16: `10.30.0.0/16`, 2 → `10.30.2.0/24`. */
const subnetOf = (cidr: string, n: number) => cidr.replace(/\.0\.0\/16$/, `.${n}.0/24`);

/**
 * One file for dev, QA and prod: the same network and workers, sized by
 * `ENVIRONMENTS`. Zones are given by index (the region's first, second…),
 * the image by lookup, the account by the credentials: the file deploys
 * unchanged to any account and region.
 *
 *   npx jiti render examples/environments/stack.tsx --env prod
 */
export default function Shop({ env }: { env: string }) {
  const settings = ENVIRONMENTS[env as Environment];
  if (!settings) throw new Error(`no environment "${env}": use one of ${Object.keys(ENVIRONMENTS).join(", ")}`);
  const gateway = ref(InternetGateway);
  const workers = ref(SecurityGroup);
  const zones = Array.from({ length: settings.zones }, (_, zone) => zone);
  const subnets = zones.map(() => ref(Subnet));

  return (
    <Stack name={`shop-${env}`} tags={{ app: "shop", env }}>
      <Vpc name="main" cidr={settings.cidr}>
        <InternetGateway name="gw" ref={gateway} />
        <RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway }]} subnets={subnets} />
        <SecurityGroup name="workers" ref={workers} description="Shop workers: outbound only" />
        {zones.map((zone) => (
          <Subnet key={zone} name={`public-${zone}`} ref={subnets[zone]} cidr={subnetOf(settings.cidr, zone + 1)} zone={zone} public>
            {Array.from({ length: Math.ceil((settings.workers - zone) / settings.zones) }, (_, i) => (
              <Ec2 key={i} name={`worker-${i}`} type={settings.type} image={amazonLinux()} securityGroups={[workers]} />
            ))}
          </Subnet>
        ))}
      </Vpc>
    </Stack>
  );
}
