import {
  componentName,
  describeChild,
  isElement,
  isRef,
  useContext,
  walkJsx,
  withContextScope,
  type ContextScope,
  type JitiNode,
  type JsxVisitor,
  type Place,
  type Ref,
  type Source,
} from "@jiti/jsx-runtime";
import { particleOf, type AnyParticle } from "../particle.js";
import { childPath } from "../path.js";
import { RenderError, type Problem } from "../problems.js";
import { ruleTree, runRules, type RuleSettings } from "../rules/index.js";
import type { ParticleNode, StackTree } from "../tree.js";
import { isStack, tagsContext, type StackProps } from "./stack.js";
import { convertProps } from "./_props.js";
import { blame, type Draft, type StackDraft } from "./_draft.js";
import { formatSource } from "./source.js";
import { validateNode, validateStack } from "./_validate.js";

/** How `renderTree` and `renderStack` render: which rules run, where source locations start, the stack's name. */
export interface RenderOptions extends RuleSettings {
  /** Source locations are shown relative to this folder. @default process.cwd() */
  sourceRoot?: string;
  /** Renders the stack under this name instead of the one its `<Stack name>` gives (`jiti --stack`). */
  stackName?: string;
  /**
   * Tags for every resource beside the stack's own: a deployment target's
   * (its cost centre, its owner). Where both set a key, `<Stack tags>` wins.
   */
  tags?: Record<string, string>;
}

/** A rendered stack: the tree, the particles it uses by type, and what rules found that does not fail it. */
export interface Rendered {
  tree: StackTree;
  particles: Map<string, AnyParticle>;
  /** Findings of rules of severity `warning`, and stale waivers. */
  warnings: Problem[];
  /** Findings the elements waive, each with its reason (`waived`). */
  waived: Problem[];
}

/**
 * Expands components into the tree of particles, assigns every particle its
 * path, resolves references and validates every prop, then runs the rules.
 * Pure and synchronous: it calls no AWS API. Throws a RenderError listing
 * every problem found.
 */
export function renderTree(element: JitiNode, options: RenderOptions = {}): StackTree {
  return renderStack(element, options).tree;
}

/** Render, plus the particles the tree uses and the rules' warnings: what the programmatic API needs to act. */
export function renderStack(element: JitiNode, options: RenderOptions = {}): Rendered {
  const sourceRoot = options.sourceRoot ?? process.cwd();
  const problems: Problem[] = [];
  const { stack, drafts, blamed } = expand(element, problems, (source) => formatSource(source, sourceRoot), options);
  if (!stack) throw new RenderError(inSourceOrder(problems));

  assignPaths(stack.children, "", problems);
  // Problems found while expanding name their parent's path, known only now.
  for (const [problem, draft] of blamed) problem.path = draft.node.path;
  const refs = bindRefs(drafts, problems);
  for (const draft of drafts) convertProps(draft, refs, problems);
  const invalid = new Set(drafts.filter((draft) => !validateNode(draft, problems)).map((draft) => draft.node.path));
  stack.tree.children = stack.children.map((d) => finish(d));

  const particles = new Map(drafts.map((d) => [d.particle.type, d.particle]));
  const tree = ruleTree(stack.tree, (type) => particles.get(type)?.name ?? type, invalid);
  const particleRules = [...particles.values()].flatMap((p) => p.rules ?? []);
  const found =
    options.runRules === false
      ? { errors: [], warnings: [], waived: [] }
      : runRules(tree, [...particleRules, ...(options.rules ?? [])], options);
  problems.push(...found.errors);
  const warnings = inSourceOrder(found.warnings);
  const waived = inSourceOrder(found.waived);

  if (problems.length > 0) throw new RenderError(inSourceOrder(problems), warnings, waived);
  return { tree: stack.tree, particles, warnings, waived };
}

/** Where the walk is in the tree being built: before the `<Stack>`, in it, or in a particle. */
type Parent = Draft | StackDraft | undefined;

/**
 * Walks the element down to its `<Stack>` (calling the components above it)
 * and through everything inside it, making a draft of every particle.
 */
function expand(
  element: JitiNode,
  problems: Problem[],
  where: (source: Source | undefined) => string | undefined,
  { stackName, tags: extraTags }: Pick<RenderOptions, "stackName" | "tags">,
): { stack: StackDraft | undefined; drafts: Draft[]; blamed: Map<Problem, Draft> } {
  let stack: StackDraft | undefined;
  const drafts: Draft[] = [];
  // Problems blamed on a particle whose path is not assigned yet.
  const blamed = new Map<Problem, Draft>();
  const sourceOf = (source: Source | undefined, at: Place<Parent>) => where(source) ?? where(at.owner?.source) ?? at.state?.source;
  /** A problem of the element being expanded into `at.state`, blamed on the component it came from, if any. */
  const report = (at: Place<Parent>, problem: Omit<Problem, "path" | "type">) => {
    const parent = at.state;
    const source = problem.source ?? sourceOf(undefined, at);
    const full: Problem = {
      path: "",
      type: parent?.particle ? parent.particle.type : "jiti.Stack",
      ...problem,
      ...(source ? { source } : {}),
    };
    if (at.owner) full.type = `<${at.owner.name}>`;
    if (parent?.particle) blamed.set(full, parent);
    problems.push(full);
  };
  const notAStack = (found: unknown, source: string | undefined) =>
    problems.push({
      path: "",
      type: "jiti.Stack",
      message: "the root of the tree must be a <Stack>",
      ...(source ? { source } : {}),
      found: isElement(found) ? `<${componentName(found.type)}>` : found,
      fix: 'Wrap the tree in <Stack name="my-app">…</Stack>, or return it from the stack component',
    });

  const visitor: JsxVisitor<Parent> = {
    isHost: (type) => isStack(type) || particleOf(type) !== undefined,
    host(node, at) {
      const source = sourceOf(node.source, at);
      const children = (node.props as { children?: unknown }).children;
      if (isStack(node.type)) {
        if (at.state || stack)
          return report(at, {
            message: "<Stack> can only be the root of the tree",
            fix: "Render one <Stack> around everything, and nest particles directly in it",
            ...(source ? { source } : {}),
          });
        const given = node.props as StackProps;
        const props: StackProps = {
          ...given,
          ...(stackName === undefined ? {} : { name: stackName }),
          // Stack tags that are no object are left as they are, for validateStack to report.
          ...(extraTags === undefined || (given.tags !== undefined && (typeof given.tags !== "object" || given.tags === null))
            ? {}
            : { tags: { ...extraTags, ...(given.tags ?? {}) } }),
        };
        stack = {
          particle: undefined,
          element: node,
          children: [],
          source,
          tree: {
            stack: String(props.name ?? ""),
            tags: { ...(props.tags ?? {}) },
            ...(typeof props.expires === "string" ? { expires: props.expires } : {}),
            ...(source ? { source } : {}),
            children: [],
          },
        };
        validateStack(props, source, problems);
        const scope: ContextScope = { context: tagsContext as never, value: { ...(props.tags ?? {}) }, parent: at.scope };
        return walkJsx(children, { ...at, state: stack, scope, owner: undefined }, visitor);
      }
      if (!at.state) return notAStack(node, where(node.source));
      const particle = particleOf(node.type)!;
      const inheritedTags = withContextScope(at.scope, () => ({ ...useContext(tagsContext) }));
      const draft: Draft = {
        particle,
        element: node,
        parent: at.state,
        children: [],
        inheritedTags,
        source,
        node: { type: particle.type, path: "", state: "running", props: {}, children: [] },
      };
      at.state.children.push(draft);
      drafts.push(draft);
      walkJsx(children, { ...at, state: draft, owner: undefined }, visitor);
    },
    stray(value, at) {
      if (!at.state) return notAStack(value, undefined);
      report(at, {
        message: `${describeChild(value)} is not valid as a child`,
        found: value,
        fix:
          typeof value === "object"
            ? "Children must be elements such as <Subnet/>; to render a collection, use an array of elements"
            : "Children must be elements such as <Subnet/>; pass values as props instead",
      });
    },
    failed({ component, message, fix }, at) {
      const source = sourceOf(component.source, at);
      if (!at.state) {
        problems.push({ path: "", type: `<${component.name}>`, message, fix, ...(source ? { source } : {}) });
        return;
      }
      report({ ...at, owner: component }, { message, fix, ...(source ? { source } : {}) });
    },
  };
  walkJsx(element, { state: undefined, scope: undefined, owner: undefined }, visitor);
  if (!stack && problems.length === 0) notAStack(element, undefined);
  return { stack, drafts, blamed };
}

/** Problems as the reader meets them in the file: by file, then line (stable otherwise). */
function inSourceOrder(problems: Problem[]): Problem[] {
  const key = (p: Problem) => {
    const match = p.source ? /^(.*):(\d+)$/.exec(p.source) : null;
    return match ? { file: match[1]!, line: Number(match[2]) } : { file: "", line: 0 };
  };
  return problems
    .map((p, i) => ({ p, i, k: key(p) }))
    .sort((a, b) => (a.k.file === b.k.file ? a.k.line - b.k.line : a.k.file < b.k.file ? -1 : 1) || a.i - b.i)
    .map((x) => x.p);
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * Gives every draft its path. Siblings of one type must have distinct names:
 * falling back to indexes would replace resources whenever siblings are
 * reordered, so an ambiguous identity is an error instead.
 */
function assignPaths(children: Draft[], parentPath: string, problems: Problem[]) {
  const byType = new Map<string, Draft[]>();
  for (const draft of children) {
    const rawName = (draft.element.props as { name?: unknown }).name ?? draft.element.key;
    const name = rawName === undefined ? undefined : String(rawName);
    draft.node.path = childPath(parentPath, draft.particle.name, name);
    if (name !== undefined) draft.node.name = name;
    if (name !== undefined && !NAME_PATTERN.test(name)) {
      problems.push({
        ...blame(draft),
        message: "name must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit",
        found: rawName,
        fix: 'Use a name such as "public-a"',
      });
    }
    byType.set(draft.particle.name, [...(byType.get(draft.particle.name) ?? []), draft]);
    assignPaths(draft.children, draft.node.path, problems);
  }
  for (const [component, group] of byType) {
    if (group.length < 2) continue;
    const fix = `Give each <${component}> under the same parent its own name prop`;
    const first = new Map<string, Draft>();
    for (const draft of group) {
      const name = draft.node.name;
      if (name === undefined) {
        const others = group.length === 2 ? "another one shares" : `${group.length - 1} others share`;
        problems.push({
          ...blame(draft),
          message: `<${component}> has no name, but ${others} its parent, so its identity is ambiguous`,
          found: null,
          fix,
        });
        continue;
      }
      const other = first.get(name);
      if (other) {
        problems.push({
          ...blame(draft),
          message: `another <${component}> under the same parent has this name${other.source ? ` (${other.source})` : ""}`,
          found: name,
          fix,
        });
      } else {
        first.set(name, draft);
      }
    }
  }
}

/** Maps every `ref` object to the element it is bound to. */
function bindRefs(drafts: readonly Draft[], problems: Problem[]): Map<Ref, Draft> {
  const bound = new Map<Ref, Draft>();
  for (const draft of drafts) {
    const value = (draft.element.props as { ref?: unknown }).ref;
    if (value === undefined) continue;
    const base = blame(draft);
    if (!isRef(value)) {
      problems.push({
        ...base,
        message: "ref must be a reference created with ref()",
        found: value,
        fix: `Create one with ref(${draft.particle.name}) and pass it as ref={…}`,
      });
      continue;
    }
    if (value.kind !== draft.particle.type) {
      problems.push({
        ...base,
        message: `ref was created for ${value.componentName}, not ${draft.particle.name}`,
        found: `ref(${value.componentName})`,
        fix: `Create the reference with ref(${draft.particle.name})`,
      });
      continue;
    }
    const other = bound.get(value);
    if (other) {
      problems.push({
        ...base,
        message: `the same ref is already bound to ${other.node.path}${other.source ? ` (${other.source})` : ""}`,
        found: `ref(${value.componentName})`,
        fix: "Create one ref() per element",
      });
      continue;
    }
    bound.set(value, draft);
  }
  return bound;
}

/** Builds the plain JSON node of a draft and of its subtree. */
function finish(draft: Draft): ParticleNode {
  const node = draft.node;
  return {
    type: node.type,
    ...(node.name !== undefined ? { name: node.name } : {}),
    path: node.path,
    state: node.state,
    props: node.props,
    ...(node.replaceOnChanges ? { replaceOnChanges: node.replaceOnChanges } : {}),
    ...(node.existing ? { existing: node.existing } : {}),
    ...(node.waive ? { waive: node.waive } : {}),
    ...(node.protect ? { protect: node.protect } : {}),
    children: draft.children.map(finish),
    ...(draft.source ? { source: draft.source } : {}),
  };
}
