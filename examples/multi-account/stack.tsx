import { Stack, Subnet, Vpc } from "@jiti/aws-particles";

/**
 * The network of an app that lives in several accounts: the same file for
 * every target, which differs only in data. deploy.yml fans it out.
 *
 *   npx jiti render --env prod --region eu-west-1 --assume-role arn:aws:iam::111111111111:role/deploy
 */
export default function Network({ env }: { env: string }) {
  return (
    <Stack name={`orders-${env}`} tags={{ app: "orders", env }}>
      <Vpc name="main" cidr="10.20.0.0/16">
        <Subnet name="a" cidr="10.20.1.0/24" zone={0} />
        <Subnet name="b" cidr="10.20.2.0/24" zone={1} />
      </Vpc>
    </Stack>
  );
}
