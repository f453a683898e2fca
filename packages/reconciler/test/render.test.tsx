import { createContext, jsx, ref, useContext, type JitiNode } from "@jiti/jsx-runtime";
import { RenderError, Stack, Tags, renderTree, walk } from "@jiti/reconciler";
import { describe, expect, it } from "vitest";
import { FakeCloud, fakeParticles } from "@jiti/testkit";

const { Net, Sub, Box, Group } = fakeParticles(new FakeCloud());
const paths = (el: JitiNode) => [...walk(renderTree(el).children)].map((n) => n.path);
const problems = (el: JitiNode) => {
  try {
    renderTree(el);
  } catch (error) {
    if (error instanceof RenderError) return error.problems.map((p) => `${p.source} ${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error("expected a RenderError");
};

describe("renderTree", () => {
  it("skips whitespace between elements, as beside a comment on one line, and still refuses real text", () => {
    // What `<Sub … /> {/* the web tier */}` on one line compiles to: the element, then a space. Built by hand, as
    // TypeScript types JSX text as a string, which particle children are not (esbuild, which loads stack.tsx, does not check).
    const net = (children: unknown[]) => jsx(Net, { name: "main", cidr: "10.0.0.0/16", children } as never);
    const spaced = <Stack name="s">{net([<Sub name="a" cidr="10.0.1.0/24" />, " ", "\n  "])}</Stack>;
    expect(paths(spaced)).toEqual(["Net:main", "Net:main/Sub:a"]);
    expect(problems(<Stack name="s">{net([" web "])}</Stack>)).toEqual([expect.stringMatching(/ Net:main: Text is not valid as a child$/)]);
  });

  it("expands function components, fragments, arrays, null, false and conditionals", () => {
    function Subnets({ names }: { names: string[] }) {
      return (
        <>
          {names.map((n) => (
            <Sub name={n} cidr="10.0.1.0/24" />
          ))}
          {null}
          {false}
          {names.length > 1 && <Sub name="extra" cidr="10.0.9.0/24" />}
        </>
      );
    }
    expect(
      paths(
        <Stack name="s">
          <Net name="main" cidr="10.0.0.0/16">
            <Subnets names={["a", "b"]} />
          </Net>
        </Stack>,
      ),
    ).toEqual(["Net:main", "Net:main/Sub:a", "Net:main/Sub:b", "Net:main/Sub:extra"]);
  });

  it("renders a stack returned by a component, keyed elements, and an unnamed only child", () => {
    const App = ({ env }: { env: string }) => (
      <Stack name={`app-${env}`}>
        <Net cidr="10.0.0.0/16">
          {["x", "y"].map((k) => (
            <Group key={k} />
          ))}
        </Net>
      </Stack>
    );
    const tree = renderTree(<App env="dev" />);
    expect(tree.stack).toBe("app-dev");
    expect([...walk(tree.children)].map((n) => n.path)).toEqual(["Net", "Net/Group:x", "Net/Group:y"]);
  });

  it("resolves references to the target's path, wherever the target is", () => {
    const g = ref(Group);
    const tree = renderTree(
      <Stack name="s">
        <Net name="main" cidr="10.0.0.0/16">
          <Sub name="a" cidr="10.0.1.0/24">
            <Box name="web" groups={[g]} />
          </Sub>
          <Group name="web" ref={g} />
        </Net>
      </Stack>,
    );
    const box = [...walk(tree.children)].find((n) => n.type === "fake.Box")!;
    expect(box.props.groups).toEqual([{ $ref: "Net:main/Group:web" }]);
    expect(box.props.sub).toEqual({ $ref: "Net:main/Sub:a" });
  });

  it("carries tags down through context: stack tags, <Tags>, then the element's own", () => {
    const Team = createContext("nobody");
    function Owned() {
      const team = useContext(Team);
      return <Net name="n" cidr="10.0.0.0/16" tags={{ owner: team, level: "element" }} />;
    }
    const tree = renderTree(
      <Stack name="s" tags={{ app: "shop", level: "stack" }}>
        <Team.Provider value="payments">
          <Tags tags={{ cost: "42", level: "tags" }}>
            <Owned />
          </Tags>
        </Team.Provider>
      </Stack>,
    );
    expect(tree.children[0]!.props.tags).toEqual({ app: "shop", cost: "42", level: "element", owner: "payments" });
  });

  it("records where each element was written, relative to the working directory", () => {
    const tree = renderTree(
      <Stack name="s">
        <Net name="n" cidr="10.0.0.0/16" />
      </Stack>,
    );
    expect(tree.children[0]!.source).toMatch(/^packages\/reconciler\/test\/render\.test\.tsx:\d+$/);
  });

  it("is plain JSON and stable from run to run", () => {
    const el = () => {
      const g = ref(Group);
      return (
        <Stack name="s">
          <Net name="n" cidr="10.0.0.0/16">
            <Group name="g" ref={g} rules={["22"]} />
            <Sub name="a" cidr="10.0.1.0/24">
              <Box name="b" groups={[g]} size="large" state="stopped" />
            </Sub>
          </Net>
        </Stack>
      );
    };
    const a = renderTree(el());
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    expect(JSON.stringify(renderTree(el()))).toBe(JSON.stringify(a));
  });

  it("collects every problem at once, with path and line", () => {
    const stray = ref(Group);
    const found = problems(
      <Stack name="s">
        <Sub name="orphan" cidr="10.0.1.0/24" />
        <Net name="n" cidr="10.0.0.0/16">
          <Group name="g" />
          <Group name="g" />
          <Sub name="a" cidr="10.0.1.0/24">
            <Box name="b" groups={[stray]} />
          </Sub>
        </Net>
      </Stack>,
    );
    // In the order the reader meets them in the file.
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/render\.test\.tsx:\d+ Sub:orphan: <Sub> cannot be nested inside <Stack>/);
    expect(found[1]).toMatch(/render\.test\.tsx:\d+ Net:n\/Group:g: another <Group> under the same parent has this name/);
    expect(found[2]).toMatch(/render\.test\.tsx:\d+ Net:n\/Sub:a\/Box:b: groups\[0\] refers to a <Group> that is not in the tree/);
  });

  it("reports a component that throws with the component's name", () => {
    function Broken(): JitiNode {
      throw new Error("boom");
    }
    expect(
      problems(
        <Stack name="s">
          <Broken />
        </Stack>,
      ),
    ).toEqual([expect.stringMatching(/: the component threw: boom$/)]);
  });

  it("renders the stack under another name when asked (jiti --stack), validating it like its own", () => {
    const scope = createContext("x");
    function App() {
      return (
        <Stack name={`app-${useContext(scope)}`} tags={{ team: "web" }}>
          <Net name="n" cidr="10.0.0.0/16" />
        </Stack>
      );
    }
    const app = (
      <scope.Provider value="dev">
        <App />
      </scope.Provider>
    );
    expect(renderTree(app).stack).toBe("app-dev");
    const renamed = renderTree(app, { stackName: "pr-42" });
    expect(renamed).toMatchObject({ stack: "pr-42", tags: { team: "web" }, children: [{ path: "Net:n" }] });
    expect(() => renderTree(app, { stackName: "has space" })).toThrow(/name must be 1 to 32 letters, digits or '-'/);
  });

  it("adds a run's tags to every resource beside the stack's own, which win where both set one", () => {
    const app = (
      <Stack name="app" tags={{ team: "web" }}>
        <Net name="n" cidr="10.0.0.0/16" />
      </Stack>
    );
    const tree = renderTree(app, { tags: { team: "ops", "cost-centre": "4711" } });
    expect(tree.tags).toEqual({ team: "web", "cost-centre": "4711" });
    expect([...walk(tree.children)][0]!.props["tags"]).toMatchObject({ team: "web", "cost-centre": "4711" });
    expect(renderTree(app).tags).toEqual({ team: "web" });
  });

  it("rejects props <Stack> does not take, saying where protect and waive go", () => {
    expect(problems(<Stack name="s" {...({ protect: true, bogus: 1 } as object)} />)).toEqual([
      expect.stringMatching(/ : unknown prop "protect" on <Stack>$/),
      expect.stringMatching(/ : unknown prop "bogus" on <Stack>$/),
    ]);
  });
});
