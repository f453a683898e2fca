import type { Problem } from "../problems.js";
import { blame, type Draft } from "./_draft.js";
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

/**
 * The nesting rule, then the particle's own checks (skipped for existing
 * resources, which have no props). Whether those checks passed.
 */
export function validateNode(draft: Draft, problems: Problem[]): boolean {
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
  if (draft.node.existing || !particle.validate) return true;
  const issues = particle.validate(draft.node.props);
  for (const issue of issues) {
    problems.push({ ...blame(draft), message: issue.message, ...("found" in issue ? { found: issue.found } : {}), fix: issue.fix });
  }
  return issues.length === 0;
}
