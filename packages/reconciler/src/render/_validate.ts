import { expiryAt } from "../lifetime.js";
import type { Problem } from "../problems.js";
import { blame, type Draft } from "./_draft.js";
import type { StackProps } from "./stack.js";

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;

/** What `<Stack>` takes, and where the props users try on it go instead. */
const STACK_PROPS = new Set(["name", "tags", "expires", "children"]);
const ELSEWHERE: Record<string, string> = {
  protect: "protect goes on the elements whose resources it keeps, e.g. <Vpc protect>",
  waive: "waive goes on the element a rule finds something on",
  state: "state goes on elements; `jiti destroy` removes the whole stack",
};

export function validateStack(props: StackProps, source: string | undefined, problems: Problem[]) {
  const at = { path: "", type: "jiti.Stack", ...(source ? { source } : {}) };
  for (const [key, value] of Object.entries(props)) {
    if (STACK_PROPS.has(key) || value === undefined) continue;
    problems.push({
      ...at,
      message: `unknown prop "${key}" on <Stack>`,
      found: value,
      fix: ELSEWHERE[key] ?? "<Stack> takes name, tags, expires and its children",
    });
  }
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
  if (props.expires !== undefined) {
    const when = typeof props.expires === "string" ? expiryAt(props.expires, new Date()) : undefined;
    if (when === undefined)
      problems.push({
        ...at,
        message: "expires must be a duration (30m, 8h, 7d, 2w) or an ISO date",
        found: props.expires,
        fix: 'Write expires="48h" for a stack that lives 48 hours past each apply, or expires="2027-01-31" for a fixed end',
      });
    else if (when.getTime() <= Date.now())
      problems.push({
        ...at,
        message: `expires ${String(props.expires)} has passed: the stack would be swept as soon as it is made`,
        found: props.expires,
        fix: 'Give a later date, or a duration such as expires="7d"',
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
  const misplaced = !particle.parents.includes(parentName);
  if (misplaced) {
    const allowed = particle.parents.map((p) => `<${p}>`).join(" or ");
    problems.push({
      ...blame(draft),
      message: `<${particle.name}> cannot be nested inside <${parentName}>`,
      found: `<${parentName}>`,
      fix: `Move it into a ${allowed}`,
    });
  }
  if (draft.node.existing || !particle.validate) return true;
  // Nested in the wrong place, the prop that nesting sets points at the wrong kind: one mistake, told once, above.
  const issues = particle
    .validate(draft.node.props)
    .filter((issue) => !(misplaced && particle.parentProp && issue.message.startsWith(`${particle.parentProp} `)));
  for (const issue of issues) {
    problems.push({ ...blame(draft), message: issue.message, ...("found" in issue ? { found: issue.found } : {}), fix: issue.fix });
  }
  return issues.length === 0;
}
