import { planDestroy, ProtectionError, Stack } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import { fakeWorld, summarise } from "@jiti/testkit";

/** A net with one subnet; `protect` on the subnet, its cidr and whether it is there at all as given. */
function world() {
  const w = fakeWorld();
  const { Net, Sub } = w;
  const stack = (o: { protect?: boolean; cidr?: string; sub?: boolean; state?: "running" | "terminated" } = {}) => (
    <Stack name="app">
      <Net name="main" cidr="10.0.0.0/16">
        {o.sub !== false && (
          <Sub
            name="a"
            cidr={o.cidr ?? "10.0.1.0/24"}
            {...(o.protect !== undefined ? { protect: o.protect } : {})}
            state={o.state ?? "running"}
          />
        )}
      </Net>
    </Stack>
  );
  const subnet = () => [...w.cloud.resources.values()].find((r) => r.type === "fake.Sub");
  return { ...w, stack, subnet };
}

/** The problems a run refused with, as `path: message`. */
async function refusal(run: Promise<unknown>): Promise<string[]> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProtectionError);
  return (error as ProtectionError).problems.map((p) => `${p.path}: ${p.message}`);
}

describe("protect", () => {
  it("tags the resource from its create call, so that a run from tags alone knows", async () => {
    const w = world();
    await w.apply(w.stack({ protect: true }));
    expect(w.subnet()!.tags).toMatchObject({ "jiti:protect": "true", "jiti:path": "Net:main/Sub:a" });
  });

  it("refuses a plan that replaces it, naming what forces the replace, before any change", async () => {
    const w = world();
    await w.apply(w.stack({ protect: true }));
    w.cloud.log.length = 0;
    expect(await refusal(w.apply(w.stack({ protect: true, cidr: "10.0.2.0/24" })))).toEqual([
      "Net:main/Sub:a: is protected, but the plan would replace it: cidr forces a new resource",
    ]);
    expect(w.cloud.log.filter((l) => !l.startsWith("list "))).toEqual([]);
  });

  it("refuses to delete it: removed from the tree, terminated, or with the whole stack destroyed from its tags", async () => {
    const w = world();
    await w.apply(w.stack({ protect: true }));
    expect(await refusal(w.apply(w.stack({ sub: false })))).toEqual([
      "Net:main/Sub:a: is protected, but the plan would delete it (not in the tree any more)",
    ]);
    expect(await refusal(w.apply(w.stack({ protect: true, state: "terminated" })))).toEqual([
      'Net:main/Sub:a: is protected, but the plan would delete it (state is "terminated")',
    ]);
    expect(await refusal(w.destroy("app"))).toEqual(["Net:main/Sub:a: is protected, but the plan would delete it (destroying the stack)"]);
    expect(w.subnet()).toBeDefined();
  });

  it("is lifted by removing protect and applying: a tag update, after which the delete goes through", async () => {
    const w = world();
    await w.apply(w.stack({ protect: true }));
    expect(summarise(await w.plan(w.stack()))).toBe("update Net:main/Sub:a\n    protect: true -> false");
    await w.apply(w.stack());
    expect(w.subnet()!.tags["jiti:protect"]).toBeUndefined();
    expect(summarise(await w.plan(w.stack()))).toBe("");
    await w.destroy("app");
    expect(w.subnet()).toBeUndefined();
  });

  it("is put on a resource that exists by a tag update, which replaces nothing", async () => {
    const w = world();
    await w.apply(w.stack());
    expect(summarise(await w.plan(w.stack({ protect: true })))).toBe("update Net:main/Sub:a\n    protect: false -> true");
    await w.apply(w.stack({ protect: true }));
    expect(w.subnet()!.tags["jiti:protect"]).toBe("true");
  });

  it("names the parent when a protected element would go with it", async () => {
    const w = fakeWorld();
    const { Net, Sub } = w;
    const tree = (o: { cidr?: string; state?: "running" | "terminated" }) => (
      <Stack name="app">
        <Net name="main" cidr={o.cidr ?? "10.0.0.0/16"} state={o.state ?? "running"}>
          <Sub name="a" cidr="10.0.1.0/24" protect />
        </Net>
      </Stack>
    );
    await w.apply(tree({}));
    expect(await refusal(w.apply(tree({ cidr: "10.9.0.0/16" })))).toEqual([
      "Net:main/Sub:a: is protected, but the plan would replace it: it is inside Net:main, which is replaced",
    ]);
    expect(await refusal(w.apply(tree({ state: "terminated" })))).toEqual([
      "Net:main/Sub:a: is protected, but the plan would delete it (it is inside Net:main, which is terminated)",
    ]);
  });

  it("lets the resources be listed (a destroy's plan alone) while they are protected", async () => {
    const w = world();
    await w.apply(w.stack({ protect: true }));
    const listed = await planDestroy("app", { particles: w.particles });
    expect(listed.snapshot.owned.map((l) => [l.path, l.protected])).toEqual([
      ["Net:main", false],
      ["Net:main/Sub:a", true],
    ]);
  });
});

describe("retained resources", () => {
  it("marks the delete or replace of a resource carrying jiti:retain, and only that one, from its tags", async () => {
    const w = world();
    await w.apply(w.stack());
    const subnet = w.subnet()!;
    expect((await w.plan(w.stack({ sub: false }))).actions.find((a) => a.action === "delete")).not.toHaveProperty("retain");

    subnet.tags["jiti:retain"] = "true";
    const removed = await w.plan(w.stack({ sub: false }));
    expect(removed.actions.filter((a) => a.retain).map((a) => [a.action, a.key, a.id])).toEqual([["delete", "Net:main/Sub:a", subnet.id]]);
    const replaced = await w.plan(w.stack({ cidr: "10.0.2.0/24" }));
    expect(replaced.actions.filter((a) => a.retain).map((a) => [a.action, a.key, a.id])).toEqual([
      ["replace", "Net:main/Sub:a", subnet.id],
    ]);
    const destroyed = await w.plan(w.stack({ state: "terminated" }));
    expect(destroyed.actions.filter((a) => a.retain).map((a) => a.id)).toEqual([subnet.id]);
  });
});
