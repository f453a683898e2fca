import { ref } from "@jiti/jsx-runtime";
import { ApplyError, DEFAULT_CONCURRENCY, Stack } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import { fakeWorld } from "@jiti/testkit";

function world(options: { configure?: boolean } = {}) {
  const w = fakeWorld(options);
  const { Net, Sub, Box, Group } = w;
  const stack = (o: { sub?: string; subs?: string[]; boxes?: number; failBox?: boolean; box?: boolean; groupRules?: string[] } = {}) => {
    const group = ref(Group);
    return (
      <Stack name="app">
        <Net name="main" cidr="10.0.0.0/16">
          <Group name="web" ref={group} rules={o.groupRules ?? ["80"]} />
          {(o.subs ?? ["a"]).map((name, i) => (
            <Sub name={name} cidr={o.sub ?? `10.0.${i + 1}.0/24`}>
              {o.box !== false && Array.from({ length: o.boxes ?? 1 }, (_, j) => <Box name={`b${j}`} size="small" groups={[group]} />)}
            </Sub>
          ))}
        </Net>
      </Stack>
    );
  };
  return { ...w, stack };
}

const mutations = (log: string[]) => log.filter((l) => !l.startsWith("list"));
const before = (log: string[], a: string, b: string) => {
  const i = log.indexOf(a);
  const j = log.indexOf(b);
  expect(i, `${a} in log`).toBeGreaterThanOrEqual(0);
  expect(j, `${b} in log`).toBeGreaterThanOrEqual(0);
  return i < j;
};

describe("execute", () => {
  it("creates parents before children and referenced elements before referrers", async () => {
    const w = world();
    const result = await w.apply(w.stack());
    const log = mutations(w.cloud.log);
    expect(before(log, "create Net:main", "create Net:main/Sub:a")).toBe(true);
    expect(before(log, "create Net:main/Sub:a", "create Net:main/Sub:a/Box:b0")).toBe(true);
    expect(before(log, "create Net:main/Group:web", "create Net:main/Sub:a/Box:b0")).toBe(true);
    expect(Object.keys(result.outputs).sort()).toEqual(["Net:main", "Net:main/Group:web", "Net:main/Sub:a", "Net:main/Sub:a/Box:b0"]);
    const box = [...w.cloud.resources.values()].find((r) => r.type === "fake.Box")!;
    expect(box.props.groups).toEqual([result.outputs["Net:main/Group:web"]!.id]);
    expect(box.tags).toMatchObject({ "jiti:stack": "app", "jiti:path": "Net:main/Sub:a/Box:b0" });
  });

  it("deletes children before parents, and referrers before what they referenced", async () => {
    const w = world();
    await w.apply(w.stack());
    w.cloud.log.length = 0;
    await w.destroy("app");
    const log = mutations(w.cloud.log);
    expect(log).toHaveLength(4);
    expect(before(log, "delete Net:main/Sub:a/Box:b0", "delete Net:main/Sub:a")).toBe(true);
    expect(before(log, "delete Net:main/Sub:a/Box:b0", "delete Net:main/Group:web")).toBe(true);
    expect(before(log, "delete Net:main/Sub:a", "delete Net:main")).toBe(true);
    expect(w.cloud.resources.size).toBe(0);
  });

  it("replaces delete-first where the particle says so: the old one is gone before the new one is created", async () => {
    const w = world();
    await w.apply(w.stack());
    w.cloud.log.length = 0;
    await w.apply(w.stack({ sub: "10.0.7.0/24" }));
    const log = mutations(w.cloud.log);
    expect(log).toEqual(["delete Net:main/Sub:a/Box:b0", "delete Net:main/Sub:a", "create Net:main/Sub:a", "create Net:main/Sub:a/Box:b0"]);
  });

  it("replaces create-before-delete by default: dependents move to the new one before the old one is deleted", async () => {
    const w = world();
    const { Net, Sub, Box, Group } = w;
    const tree = (cidr: string) => {
      const g = ref(Group);
      return (
        <Stack name="app">
          <Net name={cidr === "1" ? "n" : "n"} cidr="10.0.0.0/16">
            <Group name="web" ref={g} rules={[cidr]} />
            <Sub name="a" cidr="10.0.1.0/24">
              <Box name="b" groups={[g]} secret={cidr} />
            </Sub>
          </Net>
        </Stack>
      );
    };
    await w.apply(tree("1"));
    w.cloud.log.length = 0;
    // secret forces a replace of the Box, which is create-before-delete.
    await w.apply(tree("2"));
    expect(mutations(w.cloud.log)).toEqual(["update(rules) Net:n/Group:web", "create Net:n/Sub:a/Box:b", "delete Net:n/Sub:a/Box:b"]);
    expect([...w.cloud.resources.values()].filter((r) => r.type === "fake.Box")).toHaveLength(1);
  });

  it("a failure skips only its dependents; independent work finishes; the error names the failed element", async () => {
    const w = world();
    w.cloud.failOn = (op, path) =>
      op === "create" && path === "Net:main/Sub:a"
        ? Object.assign(new Error("no capacity"), { code: "InsufficientCapacity", requestId: "req-123" })
        : undefined;
    const error = await w.apply(w.stack({ subs: ["a", "b"] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplyError);
    const e = error as ApplyError;
    expect(e.result.failures).toEqual([
      expect.objectContaining({
        path: "Net:main/Sub:a",
        step: "create",
        code: "InsufficientCapacity",
        requestId: "req-123",
        message: "no capacity",
      }),
    ]);
    expect(e.result.skipped).toEqual(["create Net:main/Sub:a/Box:b0"]);
    expect(e.message).toContain("Net:main/Sub:a (fake.Sub): create failed: no capacity [InsufficientCapacity, request req-123]");
    const created = [...w.cloud.resources.values()].map((r) => r.tags["jiti:path"]).sort();
    expect(created).toEqual(["Net:main", "Net:main/Group:web", "Net:main/Sub:b", "Net:main/Sub:b/Box:b0"]);
    expect(w.events.filter((ev) => ev.event === "skipped").map((ev) => ev.path)).toEqual(["Net:main/Sub:a/Box:b0"]);

    // Re-run converges: only the missing pieces are created, nothing is duplicated.
    w.cloud.failOn = () => undefined;
    w.cloud.log.length = 0;
    await w.apply(w.stack({ subs: ["a", "b"] }));
    expect(mutations(w.cloud.log)).toEqual(["create Net:main/Sub:a", "create Net:main/Sub:a/Box:b0"]);
    expect(w.cloud.resources.size).toBe(6);
  });

  it("never runs more than the concurrency bound at once", async () => {
    const w = world();
    w.cloud.delayMs = 5;
    await w.apply(w.stack({ subs: ["a", "b", "c", "d"], boxes: 5 }), { concurrency: 3 });
    expect(w.cloud.maxRunning).toBe(3);
    const w2 = world();
    w2.cloud.delayMs = 5;
    await w2.apply(w2.stack({ subs: ["a", "b", "c", "d"], boxes: 5 }));
    expect(w2.cloud.maxRunning).toBe(DEFAULT_CONCURRENCY);
  });

  it("counts steps at work: one waiting (through ctx.idle) gives its place to another, and takes one back to finish", async () => {
    const w = world();
    w.cloud.delayMs = 2;
    w.cloud.settleMs = 40;
    const result = await w.apply(w.stack({ subs: ["a", "b"], boxes: 4 }), { concurrency: 2 });
    // Never more than two calls at work, yet the eight boxes settle side by side.
    expect(w.cloud.maxRunning).toBe(2);
    expect(w.cloud.maxSettling).toBeGreaterThan(2);
    expect(Object.keys(result.outputs)).toHaveLength(12);
  });

  it("starts what depends on a resource once it exists, while the resource's configure step runs", async () => {
    const w = world({ configure: true });
    w.cloud.delayMs = 20;
    const result = await w.apply(w.stack());
    const at = (event: string, step: string, path: string) =>
      w.events.findIndex((e) => e.event === event && e.step === step && e.path === path);
    // The subnet and the group start before the network's configure has finished.
    expect(at("start", "create", "Net:main/Sub:a")).toBeLessThan(at("done", "configure", "Net:main"));
    expect(at("start", "create", "Net:main/Group:web")).toBeLessThan(at("done", "configure", "Net:main"));
    // The instance needs the group to exist, not to be configured.
    expect(at("start", "create", "Net:main/Sub:a/Box:b0")).toBeLessThan(at("done", "configure", "Net:main/Group:web"));
    // The configure step acts on the new resource, and the apply waits for it.
    expect(w.events.find((e) => e.event === "start" && e.step === "configure" && e.path === "Net:main")?.id).toBe(
      result.outputs["Net:main"]!.id,
    );
    expect(result.journal.map((j) => `${j.step} ${j.key}`)).toContain("configure Net:main");
  });

  it("moves a live resource onto a replacement only once the replacement is configured, and deletes the old one after", async () => {
    const w = world({ configure: true });
    const { Net, Sub, Box, Group } = w;
    const tree = (rule: string) => {
      const g = ref(Group);
      return (
        <Stack name="app">
          <Net name="n" cidr="10.0.0.0/16">
            <Group name="web" ref={g} rules={[rule]} replaceOnChanges={["rules"]} />
            <Sub name="a" cidr="10.0.1.0/24">
              <Box name="b" groups={[g]} />
            </Sub>
          </Net>
        </Stack>
      );
    };
    await w.apply(tree("80"));
    w.cloud.log.length = 0;
    await w.apply(tree("443"));
    expect(mutations(w.cloud.log)).toEqual([
      "create Net:n/Group:web",
      "configure Net:n/Group:web",
      "update(groups) Net:n/Sub:a/Box:b",
      "delete Net:n/Group:web",
    ]);
  });

  it("runs the step heading the longest chain first when more are ready than may run", async () => {
    const w = world({ configure: true });
    await w.apply(w.stack(), { concurrency: 1 });
    const log = mutations(w.cloud.log);
    // Ready together once the network exists: its configure ends no chain, the subnet and group head the instance's.
    expect(log[0]).toBe("create Net:main");
    expect(log.slice(1, 3).sort()).toEqual(["create Net:main/Group:web", "create Net:main/Sub:a"]);
    expect(log.indexOf("configure Net:main")).toBeGreaterThan(2);
  });

  it("stops starting work when aborted, and reports what was not started", async () => {
    const w = world();
    w.cloud.delayMs = 20;
    const controller = new AbortController();
    w.cloud.failOn = (op, path) => {
      if (path === "Net:main") controller.abort(new Error("interrupted"));
      return undefined;
    };
    const error = (await w.apply(w.stack({ subs: ["a", "b"] }), { signal: controller.signal }).catch((e: unknown) => e)) as ApplyError;
    expect(error).toBeInstanceOf(ApplyError);
    expect(error.result.failures).toEqual([]);
    expect(error.result.interrupted).toEqual({ notStarted: expect.any(Number), reason: "interrupted" });
    expect(error.result.interrupted!.notStarted).toBeGreaterThan(0);
    expect(error.message).toMatch(/^interrupted \(interrupted\): \d+ step\(s\) were not started/);
    expect(mutations(w.cloud.log)).toEqual(["create Net:main"]);
  });

  it("once aborted, still configures what was created, and counts each create not started once", async () => {
    const w = world({ configure: true });
    const controller = new AbortController();
    w.cloud.failOn = (op, path) => {
      if (op === "create" && path === "Net:main") controller.abort(new Error("interrupted"));
      return undefined;
    };
    const error = (await w.apply(w.stack({ subs: ["a", "b"] }), { signal: controller.signal }).catch((e: unknown) => e)) as ApplyError;
    expect(error).toBeInstanceOf(ApplyError);
    // The network in flight is left whole; nothing else starts.
    expect(mutations(w.cloud.log)).toEqual(["create Net:main", "configure Net:main"]);
    // Not started: the group, two subnets and their two boxes; their configures go with them.
    expect(error.result.interrupted).toEqual({ notStarted: 5, reason: "interrupted" });
  });

  it("reports a failed create's configure with the create, not as a skipped dependent", async () => {
    const w = world({ configure: true });
    w.cloud.failOn = (op, path) => (op === "create" && path === "Net:main/Group:web" ? new Error("no") : undefined);
    const error = (await w.apply(w.stack()).catch((e: unknown) => e)) as ApplyError;
    expect(error.result.failures.map((f) => `${f.step} ${f.path}`)).toEqual(["create Net:main/Group:web"]);
    // The box needed the group: its create is skipped; the configures of both go with their creates.
    expect(error.result.skipped).toEqual(["create Net:main/Sub:a/Box:b0"]);
    expect(w.events.filter((e) => e.event === "skipped").map((e) => `${e.step} ${e.path}`)).toEqual(["create Net:main/Sub:a/Box:b0"]);
  });

  it("deletes an element and its subtree when it is rendered with state terminated", async () => {
    const w = world();
    const { Net, Sub, Box } = w;
    const tree = (state: "running" | "terminated") => (
      <Stack name="app">
        <Net name="main" cidr="10.0.0.0/16">
          <Sub name="a" cidr="10.0.1.0/24" state={state}>
            <Box name="b" />
          </Sub>
        </Net>
      </Stack>
    );
    await w.apply(tree("running"));
    w.cloud.log.length = 0;
    const result = await w.apply(tree("terminated"));
    expect(mutations(w.cloud.log)).toEqual(["delete Net:main/Sub:a/Box:b", "delete Net:main/Sub:a"]);
    expect(Object.keys(result.outputs)).toEqual(["Net:main"]);
  });

  it("never touches resources of another stack or without the ownership tag", async () => {
    const w = world();
    const foreign = w.cloud.seed("fake.Net", { cidr: "10.0.0.0/16" }, { "jiti:stack": "other", "jiti:path": "Net:main" });
    const untagged = w.cloud.seed("fake.Net", { cidr: "10.0.0.0/16" }, {});
    await w.apply(w.stack());
    await w.apply(w.stack({ sub: "10.0.3.0/24" }));
    await w.destroy("app");
    expect([...w.cloud.resources.values()]).toEqual([foreign, untagged]);
    expect(w.cloud.log.filter((l) => l.includes(foreign.id) || l.includes(untagged.id))).toEqual([]);
  });

  it("records every applied change in a journal of patches", async () => {
    const w = world();
    const result = await w.apply(w.stack());
    expect(result.journal.map((j) => `${j.step} ${j.key}`)).toHaveLength(4);
    expect(result.journal[0]!.patches[0]).toMatchObject({ op: "add", path: ["Net:main"] });
  });
});
