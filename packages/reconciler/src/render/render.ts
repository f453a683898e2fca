import {
  isElement,
  isFragment,
  isRef,
  providerContext,
  useContext,
  withContextScope,
  type ContextScope,
  type JitiElement,
  type JitiNode,
  type Ref,
  type Source,
} from "@jiti/jsx-runtime";
import { particleOf, type AnyParticle, type DesiredState, type Existing, type JsonObject } from "../particle.js";
import { RenderError, type Problem } from "../problems.js";
import type { ParticleNode, StackTree } from "../tree.js";
import { isStack, tagsContext, type StackProps } from "./stack.js";
import { convertProps, META_PROPS } from "./props.js";
import { blame, type Draft, type StackDraft } from "./draft.js";
import { formatSource } from "./source.js";
import { validateNode, validateStack, type ViewCache } from "./validate.js";

export interface RenderOptions {
  /** Source locations are shown relative to this folder. @default process.cwd() */
  sourceRoot?: string;
}

/**
 * Expands components into the tree of particles, assigns every particle its
 * path, resolves references and validates every prop. Pure and synchronous:
 * it calls no AWS API. Throws a RenderError listing every problem found.
 */
export function renderTree(element: JitiNode, options: RenderOptions = {}): StackTree {
  return renderStack(element, options).tree;
}

/** Render, plus the particles the tree uses, by type: what the programmatic API needs to act. */
export function renderStack(element: JitiNode, options: RenderOptions = {}): { tree: StackTree; particles: Map<string, AnyParticle> } {
  const sourceRoot = options.sourceRoot ?? process.cwd();
  const problems: Problem[] = [];
  const where = (source: Source | undefined) => formatSource(source, sourceRoot);

  const root = findStack(element, problems, where);
  if (!root) throw new RenderError(problems);
  const { stack, scope } = root;

  const drafts: Draft[] = [];
  // Problems found while expanding name their parent's path, known only once
  // every path is assigned: they are completed after assignPaths.
  const blamedOn = new Map<Problem, Draft>();
  const at = (parent: Draft | StackDraft, owner: OwnerInfo, problem: Omit<Problem, "path" | "type">) => {
    const source = problem.source ?? owner.source ?? parent.source;
    const full: Problem = {
      path: "",
      type: parent.particle ? parent.particle.type : "jiti.Stack",
      ...problem,
      ...(source ? { source } : {}),
    };
    if (owner.component) full.type = `<${owner.component}>`;
    if (parent.particle) blamedOn.set(full, parent);
    problems.push(full);
  };
  const expand = (node: JitiNode | unknown, parent: Draft | StackDraft, scope: ContextScope | undefined, owner: OwnerInfo) => {
    if (node === null || node === undefined || typeof node === "boolean") return;
    if (Array.isArray(node)) {
      for (const child of node) expand(child, parent, scope, owner);
      return;
    }
    if (!isElement(node)) {
      at(parent, owner, {
        message: `${describeChild(node)} is not valid as a child`,
        found: node,
        fix:
          typeof node === "object"
            ? "Children must be elements such as <Subnet/>; to render a collection, use an array of elements"
            : "Children must be elements such as <Subnet/>; pass values as props instead",
      });
      return;
    }
    const type = node.type;
    const src = where(node.source) ?? owner.source;
    if (isFragment(type)) {
      expand((node.props as { children?: unknown }).children, parent, scope, owner);
      return;
    }
    const context = providerContext(type);
    if (context) {
      const props = node.props as { value: unknown; children?: unknown };
      expand(props.children, parent, { context, value: props.value, parent: scope }, owner);
      return;
    }
    if (isStack(type)) {
      at(parent, owner, {
        message: "<Stack> can only be the root of the tree",
        fix: "Render one <Stack> around everything, and nest particles directly in it",
        ...(src ? { source: src } : {}),
      });
      return;
    }
    const particle = particleOf(type);
    if (particle) {
      const inheritedTags = withContextScope(scope, () => ({ ...useContext(tagsContext) }));
      const draft: Draft = {
        particle,
        element: node,
        parent,
        children: [],
        inheritedTags,
        source: src,
        node: { type: particle.type, path: "", state: "running", props: {}, children: [] },
      };
      parent.children.push(draft);
      drafts.push(draft);
      expand((node.props as { children?: unknown }).children, draft, scope, { component: undefined, source: src });
      return;
    }
    const component = type as (props: unknown) => JitiNode;
    const componentName = component.name || "(anonymous component)";
    let rendered: JitiNode;
    try {
      rendered = withContextScope(scope, () => component(node.props));
    } catch (error) {
      at(
        parent,
        { component: componentName, source: src },
        {
          message: `the component threw: ${error instanceof Error ? error.message : String(error)}`,
          fix: "Fix the component, or the props it was given",
          ...(src ? { source: src } : {}),
        },
      );
      return;
    }
    expand(rendered, parent, scope, { component: componentName, source: src });
  };

  expand((root.element.props as { children?: unknown }).children, stack, scope, { component: undefined, source: stack.source });

  assignPaths(stack.children, "", problems);
  for (const [problem, draft] of blamedOn) problem.path = draft.node.path;
  const refs = bindRefs(drafts, problems);
  for (const draft of drafts) convertProps(draft, refs, problems);
  const views: ViewCache = new Map();
  for (const draft of drafts) validateNode(draft, problems, views);
  stack.tree.children = stack.children.map((d) => finish(d));

  if (problems.length > 0) throw new RenderError(inSourceOrder(problems));
  return { tree: stack.tree, particles: new Map(drafts.map((d) => [d.particle.type, d.particle])) };
}

interface OwnerInfo {
  /** The function component whose output is being expanded, for messages. */
  component: string | undefined;
  source: string | undefined;
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

function describeChild(value: unknown): string {
  if (typeof value === "string") return "Text";
  if (typeof value === "number") return "A number";
  if (typeof value === "function") return "A function";
  if (isRef(value)) return "A ref";
  if (typeof value === "object" && value !== null) return `An object with keys {${Object.keys(value).join(", ")}}`;
  return `A ${typeof value}`;
}

/** Finds the `<Stack>` at the root, calling components above it. */
function findStack(
  element: JitiNode,
  problems: Problem[],
  where: (s: Source | undefined) => string | undefined,
): { element: JitiElement; stack: StackDraft; scope: ContextScope | undefined } | undefined {
  let node: unknown = element;
  let scope: ContextScope | undefined;
  for (let depth = 0; depth < 100; depth++) {
    if (!isElement(node)) break;
    const source = where(node.source);
    if (isStack(node.type)) {
      const props = node.props as StackProps;
      const stackScope: ContextScope = { context: tagsContext as never, value: { ...(props.tags ?? {}) }, parent: scope };
      const stack: StackDraft = {
        particle: undefined,
        element: node,
        children: [],
        source,
        tree: { stack: String(props.name ?? ""), tags: { ...(props.tags ?? {}) }, ...(source ? { source } : {}), children: [] },
      };
      validateStack(props, source, problems);
      return { element: node, stack, scope: stackScope };
    }
    const context = providerContext(node.type);
    if (context) {
      const props = node.props as { value: unknown; children?: unknown };
      scope = { context, value: props.value, parent: scope };
      node = props.children;
      continue;
    }
    if (isFragment(node.type) || particleOf(node.type)) break;
    const component = node.type as (props: unknown) => JitiNode;
    try {
      node = withContextScope(scope, () => component(node && (node as JitiElement).props));
    } catch (error) {
      problems.push({
        path: "",
        type: `<${component.name || "(anonymous component)"}>`,
        message: `the component threw: ${error instanceof Error ? error.message : String(error)}`,
        fix: "Fix the component, or the props it was given",
        ...(source ? { source } : {}),
      });
      return undefined;
    }
  }
  problems.push({
    path: "",
    type: "jiti.Stack",
    message: "the root of the tree must be a <Stack>",
    ...(isElement(node) && where(node.source) ? { source: where(node.source)! } : {}),
    found: isElement(node) ? `<${(node.type as { name?: string }).name ?? "?"}>` : node,
    fix: 'Wrap the tree in <Stack name="my-app">…</Stack>, or return it from the stack component',
  });
  return undefined;
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
    const segment = name === undefined ? draft.particle.name : `${draft.particle.name}:${name}`;
    draft.node.path = join(parentPath, segment);
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

function join(parent: string, segment: string) {
  return parent ? `${parent}/${segment}` : segment;
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
    children: draft.children.map(finish),
    ...(draft.source ? { source: draft.source } : {}),
  };
}

export type { DesiredState, Existing, JsonObject };
export { META_PROPS };
