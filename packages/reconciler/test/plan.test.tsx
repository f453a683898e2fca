import { Stack } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import { fakeWorld, summarise } from "@jiti/testkit";

function world() {
  const w = fakeWorld();
  const { Net, Sub, Box, Group } = w;
  const stack = (
    o: {
      cidr?: string;
      sub?: string;
      label?: string | null;
      size?: string;
      secret?: string;
      boxName?: string;
      box?: boolean;
      state?: "running" | "stopped";
    } = {},
  ) => {
    const group = { $$typeof: Symbol.for("jiti.ref"), kind: "fake.Group", componentName: "Group" } as never;
    return (
      <Stack name="app">
        <Net name="main" cidr={o.cidr ?? "10.0.0.0/16"}>
          <Group name="web" ref={group} rules={["80"]} />
          <Sub name="a" cidr={o.sub ?? "10.0.1.0/24"} label={o.label === null ? undefined : (o.label ?? "one")}>
            {o.box !== false && (
              <Box
                name={o.boxName ?? "web"}
                size={o.size ?? "small"}
                groups={[group]}
                secret={o.secret ?? "s3cret"}
                state={o.state ?? "running"}
              />
            )}
          </Sub>
        </Net>
      </Stack>
    );
  };
  return { ...w, stack };
}

describe("plan", () => {
  it("creates everything on an empty account, parents first", async () => {
    const w = world();
    const p = await w.plan(w.stack());
    expect(p.summary).toEqual({ create: 4, update: 0, replace: 0, delete: 0, noop: 0 });
    expect(summarise(p)).toMatchInlineSnapshot(`
      "create Net:main
          cidr: ∅ -> "10.0.0.0/16"
          tags: ∅ -> {}
      create Net:main/Group:web
          net: ∅ -> "(known after apply)"
          rules: ∅ -> ["80"]
          tags: ∅ -> {}
      create Net:main/Sub:a
          cidr: ∅ -> "10.0.1.0/24"
          label: ∅ -> "one"
          net: ∅ -> "(known after apply)"
          tags: ∅ -> {}
      create Net:main/Sub:a/Box:web
          groups: ∅ -> "(known after apply)"
          secret: ∅ -> "sha256:1ec1c26b50d5d3c5"
          size: ∅ -> "small"
          sub: ∅ -> "(known after apply)"
          tags: ∅ -> {}"
    `);
    expect(p.actions.find((a) => a.key === "Net:main/Sub:a/Box:web")!.dependsOn).toEqual(["Net:main/Sub:a", "Net:main/Group:web"]);
  });

  it("plans no change right after an apply, and makes no mutating call", async () => {
    const w = world();
    await w.apply(w.stack());
    w.cloud.log.length = 0;
    const p = await w.plan(w.stack());
    expect(p.summary).toEqual({ create: 0, update: 0, replace: 0, delete: 0, noop: 4 });
    await w.apply(w.stack());
    expect(w.cloud.log.filter((l) => !l.startsWith("list"))).toEqual([]);
  });

  it("updates a prop that can change in place, keeping the id", async () => {
    const w = world();
    await w.apply(w.stack());
    const p = await w.plan(w.stack({ label: "two", size: "large" }));
    expect(summarise(p)).toMatchInlineSnapshot(`
      "update Net:main/Sub:a
          label: "one" -> "two"
      update Net:main/Sub:a/Box:web
          size: "small" -> "large""
    `);
  });

  it("replaces on a replacing prop and replaces the children that depend on the old id", async () => {
    const w = world();
    await w.apply(w.stack());
    const p = await w.plan(w.stack({ sub: "10.0.2.0/24" }));
    expect(summarise(p)).toMatchInlineSnapshot(`
      "replace Net:main/Sub:a [delete-first]
          cidr: "10.0.1.0/24" -> "10.0.2.0/24" (forces replace)
      replace Net:main/Sub:a/Box:web [delete-first]
          sub: "sub-0003" -> "(known after apply)" (forces replace)"
    `);
    expect(p.actions.find((a) => a.key === "Net:main/Sub:a")!.forcedBy).toEqual(["cidr"]);
  });

  it("plans a prop removed from the tree as a change back to unset", async () => {
    const w = world();
    await w.apply(w.stack());
    const p = await w.plan(w.stack({ label: null }));
    expect(summarise(p)).toMatchInlineSnapshot(`
      "update Net:main/Sub:a
          label: "one" -> null"
    `);
  });

  it("shows secrets as digests, never as values", async () => {
    const w = world();
    await w.apply(w.stack());
    const p = await w.plan(w.stack({ secret: "hunter2" }));
    const text = JSON.stringify(p);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("s3cret");
    expect(summarise(p)).toMatch(/secret: "sha256:[0-9a-f]{16}" -> "sha256:[0-9a-f]{16}" \(forces replace\)/);
  });

  it("deletes what is no longer rendered, and says why", async () => {
    const w = world();
    await w.apply(w.stack());
    const p = await w.plan(w.stack({ box: false }));
    expect(summarise(p)).toMatchInlineSnapshot(`"delete Net:main/Sub:a/Box:web (not in the tree any more)"`);
  });

  it("plans a rename as a replace under the new path, and says so", async () => {
    const w = world();
    await w.apply(w.stack());
    const p = await w.plan(w.stack({ boxName: "api" }));
    expect(summarise(p)).toMatchInlineSnapshot(`
      "create Net:main/Sub:a/Box:api (replaces Net:main/Sub:a/Box:web (renamed; the old one is deleted once this one exists))
          groups: ∅ -> ["group-0002"]
          secret: ∅ -> "sha256:1ec1c26b50d5d3c5"
          size: ∅ -> "small"
          sub: ∅ -> "sub-0003"
          tags: ∅ -> {}
      delete Net:main/Sub:a/Box:web (renamed to Net:main/Sub:a/Box:api: replaced)"
    `);
  });

  it("plans a stop as a state change", async () => {
    const w = world();
    await w.apply(w.stack());
    const p = await w.plan(w.stack({ state: "stopped" }));
    expect(summarise(p)).toMatchInlineSnapshot(`
      "update Net:main/Sub:a/Box:web
          state: "running" -> "stopped""
    `);
  });

  it("keeps one of two live resources with the same path and deletes the other", async () => {
    const w = world();
    await w.apply(w.stack());
    const box = [...w.cloud.resources.values()].find((r) => r.type === "fake.Box")!;
    w.cloud.seed("fake.Box", { ...box.props, size: "other" }, { ...box.tags });
    const p = await w.plan(w.stack());
    expect(p.notes).toEqual([
      `2 live fake.Box resources have the path Net:main/Sub:a/Box:web (${box.id}, box-0005): keeping ${box.id}, deleting the others.`,
    ]);
    expect(summarise(p)).toMatchInlineSnapshot(
      `"delete Net:main/Sub:a/Box:web#box-0005 (duplicate: another fake.Box has the path Net:main/Sub:a/Box:web)"`,
    );
  });

  it("is deterministic", async () => {
    const w = world();
    await w.apply(w.stack());
    const a = await w.plan(w.stack({ sub: "10.0.9.0/24", label: "x" }));
    const b = await w.plan(w.stack({ sub: "10.0.9.0/24", label: "x" }));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
