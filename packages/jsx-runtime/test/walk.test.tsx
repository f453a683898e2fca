import {
  createContext,
  createElement,
  useContext,
  walkJsx,
  type ComponentFailure,
  type ElementType,
  type JitiElement,
  type JitiNode,
  type JsxVisitor,
  type Place,
} from "@jiti/jsx-runtime";
import { describe, expect, it } from "vitest";

/** A host element: the walker hands it over instead of calling it. */
function Host(_props: { id: string; children?: unknown }): JitiNode {
  return null;
}

const color = createContext("none");

/** Records what the walker hands over: hosts with the context in scope and their owner, strays, failures. */
function record(node: JitiNode) {
  const seen: string[] = [];
  const visitor: JsxVisitor<string> = {
    isHost: (type: ElementType) => type === Host,
    host(element: JitiElement, at: Place<string>) {
      const props = element.props as { id: string; children?: JitiNode };
      const scoped = useScope(at);
      seen.push(`host ${props.id} in ${at.state} color=${scoped} owner=${at.owner?.name ?? "-"}`);
      walkJsx(props.children, { ...at, state: props.id, owner: undefined }, visitor);
    },
    stray: (value: unknown, at: Place<string>) => seen.push(`stray ${JSON.stringify(value)} in ${at.state} owner=${at.owner?.name ?? "-"}`),
    failed: (f: ComponentFailure, at: Place<string>) => seen.push(`failed <${f.component.name}> in ${at.state}: ${f.message}. ${f.fix}`),
  };
  walkJsx(node, { state: "root", scope: undefined, owner: undefined }, visitor);
  return seen;
}

/** The context value a component would read at this place. */
function useScope(at: Place<string>): string {
  let value = "none";
  walkJsx(
    createElement(() => ((value = useContext(color)), null), {}, undefined, undefined),
    { ...at, owner: undefined },
    {
      isHost: () => false,
      host: () => {},
      stray: () => {},
      failed: () => {},
    },
  );
  return value;
}

describe("walkJsx: the one way through a JSX tree", () => {
  it("flattens arrays, fragments, null and booleans, calls components, and hands hosts and strays to the visitor", () => {
    function Pair({ a, b }: { a: string; b: string }) {
      return (
        <>
          <Host id={a} />
          {false}
          {null}
          {[<Host id={b} key="b" />]}
        </>
      );
    }
    expect(
      record(
        <Host id="outer">
          <Pair a="x" b="y" />
          {"text"}
        </Host>,
      ),
    ).toEqual([
      "host outer in root color=none owner=-",
      "host x in outer color=none owner=Pair",
      "host y in outer color=none owner=Pair",
      'stray "text" in outer owner=-',
    ]);
  });

  it("extends the context scope at every provider, for hosts and for the components called inside it", () => {
    function Reads() {
      return <Host id={`reads-${useContext(color)}`} />;
    }
    expect(
      record(
        <color.Provider value="red">
          <Host id="a">
            <color.Provider value="blue">
              <Reads />
            </color.Provider>
            <Reads />
          </Host>
        </color.Provider>,
      ),
    ).toEqual([
      "host a in root color=red owner=-",
      "host reads-blue in a color=blue owner=Reads",
      "host reads-red in a color=red owner=Reads",
    ]);
  });

  it("words a component that throws once for every renderer, and bounds a component that renders itself", () => {
    function Broken(): JitiNode {
      throw new Error("no cidr");
    }
    function Forever(): JitiNode {
      return <Forever />;
    }
    expect(
      record(
        <Host id="h">
          <Broken />
          <Forever />
        </Host>,
      ),
    ).toEqual([
      "host h in root color=none owner=-",
      "failed <Broken> in h: the component threw: no cidr. Fix the component, or the props it was given",
      "failed <Forever> in h: components nest more than 500 deep. Check for a component that renders itself",
    ]);
  });
});
