import { ref } from "@jiti/jsx-runtime";
import { ApplyError, Stack, graph, planDestroy, destroy, renderStack } from "@jiti/reconciler";
import { catalogue, execute, planActions, type Snapshot } from "@jiti/reconciler/internal";
import { describe, expect, it } from "vitest";
import { fakeWorld, summarise } from "@jiti/testkit";

const mutations = (log: string[]) => log.filter((l) => !l.startsWith("list"));

describe("after a crash, and other awkward live states", () => {
  it("renaming a delete-first element waits for the old one's delete before creating the new one", async () => {
    const w = fakeWorld();
    const { Net, Sub } = w;
    const tree = (name: string) => (
      <Stack name="app">
        <Net name="main" cidr="10.0.0.0/16">
          <Sub name={name} cidr="10.0.1.0/24" />
        </Net>
      </Stack>
    );
    await w.apply(tree("a"));
    w.cloud.log.length = 0;
    w.cloud.delayMs = 10;
    await w.apply(tree("b"));
    expect(mutations(w.cloud.log)).toEqual(["delete Net:main/Sub:a", "create Net:main/Sub:b"]);
  });

  it("a rename that can keep the old resource deletes it only once the new one exists: a failed create keeps it", async () => {
    const w = fakeWorld();
    const { Net, Sub, Box } = w;
    const tree = (name: string) => (
      <Stack name="app">
        <Net name="main" cidr="10.0.0.0/16">
          <Sub name="a" cidr="10.0.1.0/24">
            <Box name={name} size="small" />
          </Sub>
        </Net>
      </Stack>
    );
    await w.apply(tree("web"));
    w.cloud.log.length = 0;
    w.cloud.failOn = (op, path) => (op === "create" && path.endsWith("Box:api") ? new Error("no capacity") : undefined);
    await expect(w.apply(tree("api"))).rejects.toBeInstanceOf(ApplyError);
    expect(mutations(w.cloud.log)).toEqual(["create Net:main/Sub:a/Box:api"]);
    expect([...w.cloud.resources.values()].filter((r) => r.type === "fake.Box").map((r) => r.tags["jiti:path"])).toEqual([
      "Net:main/Sub:a/Box:web",
    ]);

    w.cloud.failOn = () => undefined;
    w.cloud.log.length = 0;
    await w.apply(tree("api"));
    expect(mutations(w.cloud.log)).toEqual(["create Net:main/Sub:a/Box:api", "delete Net:main/Sub:a/Box:web"]);
  });

  it("renaming a referenced element: the referrer moves to the new one before the old one goes", async () => {
    const w = fakeWorld();
    const { Net, Sub, Box, Group } = w;
    const tree = (name: string) => {
      const g = ref(Group);
      return (
        <Stack name="app">
          <Net name="main" cidr="10.0.0.0/16">
            <Group name={name} ref={g} rules={["80"]} />
            <Sub name="a" cidr="10.0.1.0/24">
              <Box name="web" groups={[g]} />
            </Sub>
          </Net>
        </Stack>
      );
    };
    await w.apply(tree("g1"));
    w.cloud.log.length = 0;
    await w.apply(tree("g2"));
    expect(mutations(w.cloud.log)).toEqual([
      "create Net:main/Group:g2",
      "update(groups) Net:main/Sub:a/Box:web",
      "delete Net:main/Group:g1",
    ]);
  });

  it("an element moved to another parent is replaced there, the old one deleted once the new one exists", async () => {
    const w = fakeWorld();
    const { Net, Sub, Box } = w;
    const tree = (where: "a" | "b") => (
      <Stack name="app">
        <Net name="main" cidr="10.0.0.0/16">
          <Sub name="a" cidr="10.0.1.0/24">
            {where === "a" && <Box name="web" size="small" />}
          </Sub>
          <Sub name="b" cidr="10.0.2.0/24">
            {where === "b" && <Box name="web" size="small" />}
          </Sub>
        </Net>
      </Stack>
    );
    await w.apply(tree("a"));
    const p = await w.plan(tree("b"));
    expect(p.actions.filter((a) => a.action !== "noop").map((a) => `${a.action} ${a.key} (${a.reason})`)).toEqual([
      "create Net:main/Sub:b/Box:web (replaces Net:main/Sub:a/Box:web (moved; the old one is deleted once this one exists))",
      "delete Net:main/Sub:a/Box:web (moved to Net:main/Sub:b/Box:web: replaced)",
    ]);
    w.cloud.log.length = 0;
    w.cloud.delayMs = 10;
    await w.apply(tree("b"));
    expect(mutations(w.cloud.log)).toEqual(["create Net:main/Sub:b/Box:web", "delete Net:main/Sub:a/Box:web"]);
  });

  it("two live resources left with a path no longer rendered are both deleted, and the plan says so", async () => {
    const w = fakeWorld();
    const { Net } = w;
    await w.apply(
      <Stack name="app">
        <Net name="main" cidr="10.0.0.0/16" />
      </Stack>,
    );
    const net = [...w.cloud.resources.values()][0]!;
    const twin = w.cloud.seed("fake.Net", { ...net.props }, { ...net.tags });
    const { plan } = await planDestroy("app", { particles: w.particles });
    expect(plan.actions.map((a) => a.key).sort()).toEqual([`Net:main#${net.id}`, `Net:main#${twin.id}`]);
    expect(plan.notes).toEqual(["2 live fake.Net resources have the path Net:main, which is not rendered: deleting them all."]);
    await w.destroy("app");
    expect(w.cloud.resources.size).toBe(0);
  });

  it("of two twins of a parent, keeps the one the children hang from", async () => {
    const w = fakeWorld();
    const { Net, Sub } = w;
    const tree = (
      <Stack name="app">
        <Net name="main" cidr="10.0.0.0/16">
          <Sub name="a" cidr="10.0.1.0/24" />
        </Net>
      </Stack>
    );
    await w.apply(tree);
    const net = [...w.cloud.resources.values()].find((r) => r.type === "fake.Net")!;
    // An empty twin whose id sorts first: ids alone would pick it.
    w.cloud.resources.set("net-0000", { type: "fake.Net", id: "net-0000", tags: { ...net.tags }, props: { ...net.props } });
    const p = await w.plan(tree);
    expect(summarise(p)).toBe("delete Net:main#net-0000 (duplicate: another fake.Net has the path Net:main)");
  });

  it("an element switched to `existing` no longer manages what it made: that is deleted", async () => {
    const w = fakeWorld();
    const { Net } = w;
    await w.apply(
      <Stack name="app">
        <Net name="main" cidr="10.0.0.0/16" />
      </Stack>,
    );
    const shared = w.cloud.seed("fake.Net", { cidr: "10.9.0.0/16" }, {});
    await w.apply(
      <Stack name="app">
        <Net name="main" existing={{ id: shared.id }} />
      </Stack>,
    );
    expect([...w.cloud.resources.values()]).toEqual([shared]);
  });

  it("destroy without the particle kinds refuses, instead of finding nothing", async () => {
    await expect(destroy("app")).rejects.toThrow(/destroy needs every kind of resource the stack may own: pass \{ particles \}/);
  });

  it("refuses to change a resource without the stack's ownership tag, even if a snapshot holds it", async () => {
    const w = fakeWorld();
    const { Net } = w;
    const foreign = w.cloud.seed("fake.Net", { cidr: "10.0.0.0/16" }, { "jiti:stack": "other", "jiti:path": "Net:main" });
    const { tree, particles } = renderStack(
      <Stack name="app">
        <Net name="main" cidr="10.0.0.0/16" tags={{ owner: "me" }} />
      </Stack>,
    );
    // A snapshot that (wrongly) lists the other stack's resource as this stack's.
    const snapshot: Snapshot = {
      stack: "app",
      owned: [{ type: "fake.Net", id: foreign.id, path: "Net:main", stack: "other", data: { ...foreign.props } }],
      existing: {},
      resolved: {},
    };
    const g = graph(tree);
    const plan = planActions(tree, g, snapshot, catalogue(particles.values()));
    expect(plan.actions.map((a) => a.action)).toEqual(["update"]);
    const ctx = { stack: "app", aws: {}, cache: new Map(), signal: new AbortController().signal };
    const error = (await execute(plan, g.nodes, snapshot, particles, ctx).catch((e: unknown) => e)) as ApplyError;
    expect(error).toBeInstanceOf(ApplyError);
    expect(error.result.failures).toEqual([
      expect.objectContaining({
        code: "NotOwned",
        message: expect.stringContaining("does not carry the ownership tag jiti:stack=app (found: other)"),
      }),
    ]);
    expect(mutations(w.cloud.log)).toEqual([]);
    expect(w.cloud.resources.get(foreign.id)!.tags).toEqual({ "jiti:stack": "other", "jiti:path": "Net:main" });
  });
});
