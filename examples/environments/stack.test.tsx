import { renderTree, walk } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import Shop, { ENVIRONMENTS } from "./stack.js";

describe("examples/environments", () => {
  it.each(["dev", "qa", "prod"])("renders %s", (env) => {
    expect(renderTree(<Shop env={env} />)).toMatchSnapshot();
  });

  it("differs between environments only in data: sizes, counts and address ranges", () => {
    for (const [env, settings] of Object.entries(ENVIRONMENTS)) {
      const nodes = [...walk(renderTree(<Shop env={env} />).children)];
      const instances = nodes.filter((n) => n.type === "aws.ec2.Instance");
      expect(instances).toHaveLength(settings.workers);
      expect(new Set(instances.map((n) => n.props.type))).toEqual(new Set([settings.type]));
      expect(nodes.filter((n) => n.type === "aws.ec2.Subnet").map((n) => n.props.zone)).toEqual([...Array(settings.zones).keys()]);
      expect(nodes.find((n) => n.type === "aws.ec2.Vpc")!.props.cidr).toBe(settings.cidr);
    }
  });

  it("names no account, AMI or zone: the same tree deploys anywhere", () => {
    const text = JSON.stringify(renderTree(<Shop env="prod" />));
    expect(text).not.toMatch(/\b\d{12}\b|ami-[0-9a-f]+|[a-z]{2}-[a-z]+-\d[a-f]\b/);
  });
});
