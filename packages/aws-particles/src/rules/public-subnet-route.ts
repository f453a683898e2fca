import type { Rule } from "@jiti/reconciler";
import { subnetRouting } from "./_tree.js";

/**
 * A public subnet is only public with a route to the internet: a
 * `<RouteTable>` of its VPC that lists the subnet and sends 0.0.0.0/0 to an
 * internet gateway. Without it instances get public addresses nobody can reach.
 */
export const publicSubnetRoute: Rule = {
  id: "public-subnet-route",
  severity: "error",
  description: "A public subnet has a route table of its VPC that sends 0.0.0.0/0 to an internet gateway",
  fix: "Add a <RouteTable> that lists the subnet and routes 0.0.0.0/0 to an <InternetGateway>, or set public={false}",
  check(tree) {
    return tree
      .ofType("aws.ec2.Subnet")
      .filter((node) => !node.existing && node.props.public === true)
      .flatMap((node) => {
        const { gateways, mine, routing, toInternet } = subnetRouting(tree, node);
        if (toInternet) return [];

        const vpc = node.parent?.path ?? "";
        const gw = gateways[0] ? `gw = ref(InternetGateway) bound to ${gateways[0].path} with ref={gw}` : "gw = ref(InternetGateway)";
        const addGateway = gateways[0] ? "" : '<InternetGateway name="gw" ref={gw} /> and ';
        const subnet = "subnet = ref(Subnet) bound to this subnet with ref={subnet}";
        const fix = mine
          ? `Add { destination: "0.0.0.0/0", gateway: gw } to the routes of ${mine.path}${gateways[0] ? "" : `, and <InternetGateway name="gw" ref={gw} /> to ${vpc}`}, with ${gw}; or set public={false}`
          : routing
            ? `Add subnet to the subnets of ${routing.path}, with ${subnet}; or set public={false}`
            : `Add to ${vpc}: ${addGateway}<RouteTable name="public" routes={[{ destination: "0.0.0.0/0", gateway: gw }]} subnets={[subnet]} />, with ${gw} and ${subnet}; or set public={false}`;
        const message =
          "a public subnet needs a route to the internet, but no <RouteTable> in its VPC lists it and routes 0.0.0.0/0 to an <InternetGateway>";
        return [{ node, message, found: { public: true }, fix }];
      });
  },
};
