import { describeChild } from "@jiti/jsx-runtime";
import { isElement, walkJsx, type JitiElement, type JsxVisitor, type Place, type Source } from "@jiti/jsx-runtime";
import { formatProblem, isStack, type Issue, type Problem } from "@jiti/reconciler";
import { formatSource, nearestName, particleOf } from "@jiti/reconciler/particle";
import { isCloudInit, type CloudInitProps } from "./CloudInit.js";
import { renderScript, type StepGroup } from "./_script.js";
import { stepOf, type AnyStepDefinition } from "./_step.js";

/** Options of `renderUserData`: where the paths its errors give start. */
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

/** Where the walk is: inside the root <CloudInit> or not, and whose children these are when no component is. */
interface Within {
  inside: boolean;
  label: string;
  source: string | undefined;
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
  const ownerSource = (at: Place<Within>) => (at.owner ? where(at.owner.source) : undefined) ?? at.state.source;
  const sourceOf = (source: Source | undefined, at: Place<Within>) => where(source) ?? ownerSource(at);
  // Text and stray values are blamed on the element whose children they are: a component, or <CloudInit>.
  const owner = (at: Place<Within>) => (at.owner ? `<${at.owner.name}>` : at.state.label);

  const visitor: JsxVisitor<Within> = {
    isHost: (type) => isCloudInit(type) || stepOf(type) !== undefined || particleOf(type) !== undefined || isStack(type),
    host(node, at) {
      const source = sourceOf(node.source, at);
      if (isCloudInit(node.type)) {
        if (root || at.state.inside) {
          report("<CloudInit>", source, {
            message: "userData has more than one <CloudInit>",
            fix: "Keep one <CloudInit>, at the root of userData, and put every step inside it",
          });
          return;
        }
        root = { props: node.props as CloudInitProps, source };
        return walkJsx(
          (node.props as CloudInitProps).children,
          { ...at, state: { inside: true, label: "<CloudInit>", source }, owner: undefined },
          visitor,
        );
      }
      const definition = stepOf(node.type);
      if (definition) {
        if (at.state.inside) found.push({ definition, element: node, source });
        else {
          report(`<${definition.name}>`, source, {
            message: "the step is outside <CloudInit>",
            fix: `Put it inside the root <CloudInit>: userData={<CloudInit><${definition.name} … /></CloudInit>}`,
          });
        }
        return;
      }
      const particle = particleOf(node.type);
      report(`<${particle ? particle.name : "Stack"}>`, source, {
        message: "particles are infrastructure, not userData steps",
        fix: "Render it in the stack; userData holds <File>, <Run>, <Package>, <Service>, <NodeApp>, or components returning them",
      });
    },
    stray(value, at) {
      report(owner(at), ownerSource(at), {
        message: `${describeChild(value)} is not valid as a child`,
        found: value,
        fix:
          typeof value === "string" || typeof value === "number"
            ? "Wrap commands in <Run>…</Run>, and file contents in <File content={…} />"
            : "Children must be steps such as <File/> or <Run/>",
      });
    },
    failed({ component, message, fix }, at) {
      report(`<${component.name}>`, sourceOf(component.source, at), { message, fix });
    },
  };
  walkJsx(element, { state: { inside: false, label: "userData", source: undefined }, scope: undefined, owner: undefined }, visitor);
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
      fix: 'Make the largest steps smaller: a <NodeApp> with dependencies="install" bundles only its own code and installs its npm packages at boot; or download large files at boot instead, e.g. from S3',
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
  const near = nearestName(key, known);
  return {
    message: `unknown prop "${key}"`,
    found: value,
    fix: near ? `Rename it to "${near}"` : `Known props of <${component}>: ${known.join(", ")}`,
  };
}
