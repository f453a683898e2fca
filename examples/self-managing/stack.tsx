import { Ec2, SecurityGroup, Stack, Subnet, Vpc, amazonLinux } from "@jiti/aws-particles";
import { ref } from "@jiti/jsx-runtime";

/**
 * The queue workers' infrastructure, sized by the app itself: `workers`
 * instances in a private subnet, as many as scaler.ts decides from the
 * queue's backlog. The same file renders by hand (`npx jiti render
 * examples/self-managing/stack.tsx` makes the smallest fleet).
 */
export default function Workers({ env, workers = 1 }: { env: string; workers?: number }) {
  const group = ref(SecurityGroup);
  return (
    <Stack name={`queue-workers-${env}`} tags={{ app: "queue-workers", env }}>
      <Vpc name="main" cidr="10.40.0.0/16">
        <SecurityGroup name="workers" ref={group} description="Queue workers: outbound only" />
        <Subnet name="private" cidr="10.40.1.0/24" zone={0}>
          {Array.from({ length: workers }, (_, i) => (
            <Ec2 key={i} name={`worker-${i}`} type="t3.micro" image={amazonLinux()} securityGroups={[group]} />
          ))}
        </Subnet>
      </Vpc>
    </Stack>
  );
}
