import { Ec2, InstanceProfile, Role, SecurityGroup, Stack, Subnet, Vpc, amazonLinux } from "@jiti/aws-particles";
import { ref } from "@jiti/jsx-runtime";
import { renderTree } from "@jiti/reconciler";
import { expect, it } from "vitest";

/**
 * The JSX types reject wrong and missing props: `pnpm test` runs tsc over
 * this file first, and every `@ts-expect-error` below fails the build if the
 * line it marks type-checks.
 */
function wrong() {
  const web = ref(SecurityGroup);
  const subnet = ref(Subnet);
  return (
    <Stack name="types">
      {/* @ts-expect-error cidr is required */}
      <Vpc name="a" />
      {/* @ts-expect-error cidr is a string */}
      <Vpc name="b" cidr={16} />
      {/* @ts-expect-error there is no cidrBlock prop */}
      <Vpc name="c" cidrBlock="10.0.0.0/16" />
      <Vpc name="d" cidr="10.0.0.0/16">
        {/* @ts-expect-error a SecurityGroup's ref cannot be bound to a Subnet */}
        <Subnet name="s" cidr="10.0.1.0/24" ref={web} />
        <Subnet name="t" cidr="10.0.2.0/24" ref={subnet}>
          {/* @ts-expect-error securityGroups takes SecurityGroup refs, not Subnet refs */}
          <Ec2 name="web" image={amazonLinux()} securityGroups={[subnet]} />
          {/* @ts-expect-error state is running, stopped or terminated */}
          <Ec2 name="api" image={amazonLinux()} state="paused" />
          {/* @ts-expect-error "mirco" is no instance size */}
          <Ec2 name="typo" image={amazonLinux()} type="t3.mirco" />
          {/* A family newer than the SDK, with a size it knows, can still be written. */}
          <Ec2 name="future" image={amazonLinux()} type="x9g.large" />
        </Subnet>
      </Vpc>
      <Role name="app" assumedBy="ec2.amazonaws.com">
        {/* @ts-expect-error tags are strings */}
        <InstanceProfile name="app" tags={{ cost: 42 }} />
      </Role>
    </Stack>
  );
}

it("compiles only with the expected type errors, and the same mistakes fail at render too", () => {
  expect(() => renderTree(wrong())).toThrow(/cidr is required/);
});
