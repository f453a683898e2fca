import {
  isElement,
  isFragment,
  providerContext,
  withContextScope,
  type ContextScope,
  type JitiElement,
  type JitiNode,
  type Source,
} from "@jiti/jsx-runtime";
import { formatProblem, formatSource, isStack, particleOf, type Issue, type Problem } from "@jiti/reconciler";
import { isCloudInit, type CloudInitProps } from "./CloudInit.js";
import { describeChild } from "./_checks.js";
import { renderScript, type StepGroup } from "./_script.js";
import { stepOf, type AnyStepDefinition } from "./_step.js";

export interface RenderUserDataOptions {
  /** Source locations in errors, and entries of elements without one, are relative to this folder. @default process.cwd() */
  sourceRoot?: string;
}

/**
 * EC2 limits user data to 16 KB before base64 encoding.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html
 */
export const USER_DATA_LIMIT = 16 * 1024;

/** The userData JSX has problems: every one of them, reported together. */
export class UserDataError extends Error {
  override readonly name = "UserDataError";
  constructor(readonly problems: readonly Problem[]) {
    super(
      `userData has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
    );
  }
}

/** A step component's element, found while expanding. */
interface Found {
  definition: AnyStepDefinition;
  element: JitiElement;
  source: string | undefined;
}

/**
 * Renders `<CloudInit>…</CloudInit>` into the instance's boot script. Expands
 * components, fragments, arrays and conditionals as React does, then turns
 * each step into bash, in order. The same JSX (and the same app files) gives
 * the same bytes. Throws a UserDataError listing every problem.
 */
export function renderUserData(element: JitiElement, options: RenderUserDataOptions = {}): string {
  const sourceRoot = options.sourceRoot ?? process.cwd();
  const where = (source: Source | undefined) => formatSource(source, sourceRoot);
  const problems: Problem[] = [];
  const report = (type: string, source: string | undefined, issue: Issue) =>
    problems.push({ path: "", type, ...issue, ...(source ? { source } : {}) });

  let root: { props: CloudInitProps; source: string | undefined } | undefined;
  const found: Found[] = [];

  /** `owner` is the element whose children are being expanded: blamed for text and stray values. */
  const expand = (node: unknown, scope: ContextScope | undefined, owner: { type: string; source: string | undefined }, inside: boolean) => {
    if (node === null || node === undefined || typeof node === "boolean") return;
    if (Array.isArray(node)) {
      for (const child of node) expand(child, scope, owner, inside);
      return;
    }
    if (!isElement(node)) {
      report(owner.type, owner.source, {
        message: `${describeChild(node)} is not valid as a child`,
        found: node,
        fix:
          typeof node === "string" || typeof node === "number"
            ? "Wrap commands in <Run>…</Run>, and file contents in <File content={…} />"
            : "Children must be steps such as <File/> or <Run/>",
      });
      return;
    }
    const type = node.type;
    const source = where(node.source) ?? owner.source;
    const props = node.props as { children?: unknown };
    if (isFragment(type)) return expand(props.children, scope, owner, inside);
    const context = providerContext(type);
    if (context) return expand(props.children, { context, value: (props as { value?: unknown }).value, parent: scope }, owner, inside);
    if (isCloudInit(type)) {
      if (root || inside) {
        report("<CloudInit>", source, {
          message: "userData has more than one <CloudInit>",
          fix: "Keep one <CloudInit>, at the root of userData, and put every step inside it",
        });
        return;
      }
      root = { props: node.props as CloudInitProps, source };
      return expand(props.children, scope, { type: "<CloudInit>", source }, true);
    }
    const definition = stepOf(type);
    if (definition) {
      if (inside) found.push({ definition, element: node, source });
      else
        report(`<${definition.name}>`, source, {
          message: "the step is outside <CloudInit>",
          fix: `Put it inside the root <CloudInit>: userData={<CloudInit><${definition.name} … /></CloudInit>}`,
        });
      return;
    }
    const particle = particleOf(type);
    if (particle || isStack(type)) {
      const name = particle ? particle.name : "Stack";
      report(`<${name}>`, source, {
        message: "particles are infrastructure, not userData steps",
        fix: "Render it in the stack; userData holds <File>, <Run>, <Package>, <Service>, <NodeApp>, or components returning them",
      });
      return;
    }
    const component = type as (props: unknown) => JitiNode;
    const name = `<${component.name || "(anonymous component)"}>`;
    let rendered: JitiNode;
    try {
      rendered = withContextScope(scope, () => component(node.props));
    } catch (error) {
      report(name, source, {
        message: `the component threw: ${error instanceof Error ? error.message : String(error)}`,
        fix: "Fix the component, or the props it was given",
      });
      return;
    }
    expand(rendered, scope, { type: name, source }, inside);
  };

  expand(element, undefined, { type: "userData", source: undefined }, false);
  if (!root) {
    if (problems.length === 0) {
      report("userData", undefined, {
        message: "the root must be a <CloudInit>",
        found: isElement(element) ? `<${element.type.name}>` : element,
        fix: "Wrap the steps in <CloudInit>…</CloudInit>",
      });
    }
    throw new UserDataError(problems);
  }
  const trace = checkCloudInit(root.props, (issue) => report("<CloudInit>", root?.source, issue));
  const groups = found.map((f) => stepsOf(f, sourceRoot, (issue) => report(`<${f.definition.name}>`, f.source, issue)));
  checkSharedFiles(found, groups, report);
  if (problems.length > 0) throw new UserDataError(problems);

  const script = renderScript(groups, { trace });
  const size = Buffer.byteLength(script.text, "utf8");
  if (size > USER_DATA_LIMIT) {
    const largest = found
      .map((f, i) => ({ label: groups[i]!.label, source: f.source, bytes: script.groupBytes[i]! }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 3)
      .map((g) => `${g.label}${g.source ? ` at ${g.source}` : ""}: ${g.bytes} bytes`);
    report("<CloudInit>", root.source, {
      message: `the boot script is over EC2's user-data limit of ${USER_DATA_LIMIT} bytes; the largest steps are ${largest.join(", ")}`,
      found: `${size} bytes`,
      fix: "Make the largest steps smaller (for a <NodeApp>, fewer or lighter dependencies), or download large files at boot instead, e.g. from S3",
    });
    throw new UserDataError(problems);
  }
  return script.text;
}

/** The `trace` setting of the root, after checking its props. */
function checkCloudInit(props: CloudInitProps, report: (issue: Issue) => void): boolean {
  for (const [key, value] of Object.entries(props)) {
    if (key === "children" || value === undefined) continue;
    if (key !== "trace") report(unknownProp(key, value, ["trace"], "CloudInit"));
    else if (typeof value !== "boolean")
      report({ message: "trace must be true or false", found: value, fix: "Write trace or trace={false}" });
  }
  return props.trace === true;
}

/** Checks a step element's props and asks its definition for its steps; no steps when anything is wrong. */
function stepsOf(found: Found, sourceRoot: string, report: (issue: Issue) => void): StepGroup {
  const { definition, element } = found;
  const props = element.props as Record<string, unknown>;
  const label = `<${definition.name}>`;
  let ok = true;
  const fail = (issue: Issue) => {
    ok = false;
    report(issue);
  };
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (key === "children") {
      if (definition.children === "none" && value !== null && value !== false) {
        fail({
          message: "children are not accepted",
          found: typeof value === "string" ? value : describeChild(value),
          fix: `Pass everything as props, e.g. <${definition.name} … />`,
        });
      }
    } else if (!definition.props.includes(key)) {
      fail(unknownProp(key, value, definition.props, definition.name));
    }
  }
  for (const issue of definition.check(props)) fail(issue);
  if (!ok) return { label, steps: [] };
  const fileName = element.source?.fileName;
  const steps = definition.steps(props, { fileName, sourceRoot, report: fail });
  const detail = definition.label(props);
  return { label: detail ? `${label} ${detail}` : label, steps: ok ? steps : [] };
}

/** Two steps writing one file would leave only the second; the user meant something else. */
function checkSharedFiles(
  found: readonly Found[],
  groups: readonly StepGroup[],
  report: (type: string, source: string | undefined, issue: Issue) => void,
) {
  const writers = new Map<string, Found>();
  groups.forEach((group, i) => {
    const f = found[i]!;
    for (const step of group.steps) {
      if (step.kind !== "file") continue;
      const first = writers.get(step.path);
      if (!first) {
        writers.set(step.path, f);
        continue;
      }
      report(`<${f.definition.name}>`, f.source, {
        message: `another step writes the same file: <${first.definition.name}>${first.source ? ` at ${first.source}` : ""}`,
        found: step.path,
        fix: "Give each <File> its own path, and each <Service> or <NodeApp> its own name",
      });
    }
  });
}

function unknownProp(key: string, value: unknown, known: readonly string[], component: string): Issue {
  const lower = key.toLowerCase();
  const near = known.find((k) => k.toLowerCase() === lower || k.toLowerCase().startsWith(lower) || lower.startsWith(k.toLowerCase()));
  return {
    message: `unknown prop "${key}"`,
    found: value,
    fix: near ? `Rename it to "${near}"` : `Known props of <${component}>: ${known.join(", ")}`,
  };
}
