import type { NodeView } from "../particle.js";
import type { Problem } from "../problems.js";
import { blame, type Draft, type StackDraft } from "./draft.js";
import type { StackProps } from "./stack.js";

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;

export function validateStack(props: StackProps, source: string | undefined, problems: Problem[]) {
  const at = { path: "", type: "jiti.Stack", ...(source ? { source } : {}) };
  if (typeof props.name !== "string" || !STACK_NAME.test(props.name)) {
    problems.push({
      ...at,
      message: "name must be 1 to 32 letters, digits or '-', starting with a letter",
      found: props.name,
      fix: 'Name the stack like <Stack name="web-app-dev">; it tags everything the stack owns',
    });
  }
  if (props.tags !== undefined) {
    const bad = typeof props.tags !== "object" || props.tags === null || Object.values(props.tags).some((v) => typeof v !== "string");
    if (bad)
      problems.push({
        ...at,
        message: "tags must map tag keys to string values",
        found: props.tags,
        fix: 'Use tags={{ team: "analytics" }}',
      });
  }
}

function view(draft: Draft | StackDraft): NodeView {
  if (!draft.particle) {
    return { type: "jiti.Stack", name: draft.tree.stack, path: "", props: { tags: draft.tree.tags }, existing: undefined };
  }
  const { node } = draft;
  return { type: node.type, name: node.name, path: node.path, props: node.props, existing: node.existing };
}

/** Sibling views by parent, for one render. */
export type ViewCache = Map<Draft | StackDraft, NodeView[]>;

/** Parent rules, then the particle's own checks (skipped for existing resources, which have no props). */
export function validateNode(draft: Draft, problems: Problem[], viewCache: ViewCache) {
  const { particle } = draft;
  const parentName = draft.parent.particle ? draft.parent.particle.name : "Stack";
  if (!particle.parents.includes(parentName)) {
    const allowed = particle.parents.map((p) => `<${p}>`).join(" or ");
    problems.push({
      ...blame(draft),
      message: `<${particle.name}> cannot be nested inside <${parentName}>`,
      found: `<${parentName}>`,
      fix: `Move it into a ${allowed}`,
    });
  }
  if (draft.node.existing || !particle.validate) return;
  const parent = draft.parent;
  const index = parent.children.indexOf(draft);
  // Views of the siblings are built once per parent and handed out lazily:
  // a VPC with thousands of subnets must not cost thousands of copies each.
  const views = () => viewCache.get(parent) ?? viewCache.set(parent, parent.children.map(view)).get(parent)!;
  const issues = particle.validate(draft.node.props, {
    path: draft.node.path,
    parent: view(parent),
    get siblings() {
      return views().filter((_, i) => i !== index);
    },
    get before() {
      return views().slice(0, index);
    },
  });
  for (const issue of issues) {
    problems.push({ ...blame(draft), message: issue.message, ...("found" in issue ? { found: issue.found } : {}), fix: issue.fix });
  }
}
