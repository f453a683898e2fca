import { isElement, isRef, type Ref } from "@jiti/jsx-runtime";
import type { DesiredState, Existing, Json, JsonObject } from "../particle.js";
import { nearestName } from "../fields.js";
import { describeValue, type Problem } from "../problems.js";
import { blame, type Draft, type StackDraft } from "./_draft.js";

/** Props every particle accepts that are not resource props. */
export const META_PROPS = new Set(["name", "ref", "state", "existing", "children", "replaceOnChanges", "waive", "protect"]);
const STATES: readonly DesiredState[] = ["running", "stopped", "terminated"];

/**
 * Turns a draft's props into its node's: meta props taken out, unknown props reported,
 * references turned into `{ $ref: path }`, defaults applied, tags merged,
 * the parent reference added, and the particle's canonical form applied.
 */
export function convertProps(draft: Draft, refs: ReadonlyMap<Ref, Draft>, problems: Problem[]) {
  const { particle, node } = draft;
  const raw = draft.element.props as Record<string, unknown>;
  const report = (message: string, found: unknown, fix: string) => {
    problems.push({ ...blame(draft), message, ...(found === NONE ? {} : { found }), fix });
  };

  const parentState = draft.parent.particle ? draft.parent.node.state : "running";
  const state = raw.state ?? "running";
  if (!STATES.includes(state as DesiredState)) {
    report(`state must be one of ${STATES.map((s) => `"${s}"`).join(", ")}`, state, 'Use state="running", "stopped" or "terminated"');
  } else if (state === "stopped" && !particle.stoppable) {
    report(`state "stopped" applies to instances only`, state, 'Use state="running", or "terminated" to remove it');
  }
  // Terminating an element terminates everything inside it.
  node.state = parentState === "terminated" ? "terminated" : STATES.includes(state as DesiredState) ? (state as DesiredState) : "running";

  if (raw.waive !== undefined) {
    const waive = checkWaive(raw.waive);
    if (typeof waive === "string") report(waive, raw.waive, 'Use waive={{ "rule-id": "why this element is excused, e.g. a ticket" }}');
    else node.waive = waive;
  }

  if (raw.protect !== undefined && typeof raw.protect !== "boolean")
    report("protect must be true or false", raw.protect, "Write protect, or protect={false}");
  else if (raw.protect === true && raw.existing !== undefined) {
    report("protect has no effect on an existing resource, which jiti never changes or deletes", true, "Remove protect");
  } else if (raw.protect === true) node.protect = true;

  const known = Object.keys(particle.props);
  if (raw.existing !== undefined) {
    const existing = checkExisting(raw.existing);
    if (typeof existing === "string")
      report(existing, raw.existing, 'Use existing={{ id: "vpc-0abc…" }} or existing={{ tags: { Name: "shared" } }}');
    else node.existing = existing;
    const extra = Object.keys(raw).filter((k) => !META_PROPS.has(k) && raw[k] !== undefined);
    if (extra.length > 0) {
      report(
        `${extra.join(", ")} cannot be set on an existing resource, which jiti never changes`,
        extra,
        "Remove these props, or drop `existing` to let jiti create and manage the resource",
      );
    }
    if (state === "terminated" || state === "stopped") {
      report(`state cannot be "${String(state)}" on an existing resource, which jiti never changes`, state, "Remove the state prop");
    }
    return;
  }

  const props: JsonObject = {};
  for (const [key, value] of Object.entries(raw)) {
    if (META_PROPS.has(key) || value === undefined) continue;
    if (!known.includes(key)) {
      const near = nearestName(key, known);
      report(`unknown prop "${key}"`, value, near ? `Rename it to "${near}"` : `Known props of <${particle.name}>: ${known.join(", ")}`);
      continue;
    }
    const converted = toJson(value, key, refs, draft, report);
    if (converted !== INVALID) props[key] = converted;
  }
  for (const [key, value] of Object.entries(particle.defaults ?? {})) {
    if (props[key] === undefined && value !== undefined) props[key] = value as Json;
  }
  if ("tags" in particle.props) {
    const tags = { ...draft.inheritedTags, ...((props.tags as Record<string, string> | undefined) ?? {}) };
    if (particle.nameTag && tags.Name === undefined) tags.Name = readableName(draft);
    props.tags = tags;
  }
  const replaceOnChanges = raw.replaceOnChanges;
  if (replaceOnChanges !== undefined) {
    const unknown = Array.isArray(replaceOnChanges) ? replaceOnChanges.filter((p) => !known.includes(p as string)) : [replaceOnChanges];
    if (unknown.length > 0) {
      report(`replaceOnChanges must list props of <${particle.name}>`, unknown, `Use some of: ${known.join(", ")}`);
    } else {
      node.replaceOnChanges = [...(replaceOnChanges as string[])].sort();
    }
  }
  if (particle.parentProp && draft.parent.particle) {
    if (raw[particle.parentProp] !== undefined) {
      report(
        `${particle.parentProp} is set by nesting, from the enclosing <${draft.parent.particle.name}>`,
        raw[particle.parentProp],
        `Remove the ${particle.parentProp} prop, or nest this element elsewhere`,
      );
    }
    props[particle.parentProp] = { $ref: draft.parent.node.path };
  }
  node.props = sortKeys(props);
  if (particle.normalize) {
    try {
      node.props = sortKeys(particle.normalize(node.props) as JsonObject);
    } catch (error) {
      const inner = innerProblems(error);
      // Problems of what a prop holds (a userData tree's steps): each its own problem, of this element, at the inner line.
      if (inner) {
        for (const p of inner) {
          problems.push({
            ...blame(draft),
            ...(p.source ? { source: p.source } : {}),
            message: `${p.type}: ${p.message}`,
            ...("found" in p ? { found: p.found } : {}),
            fix: p.fix,
          });
        }
      } else {
        report(
          `its props could not be normalised: ${error instanceof Error ? error.message : String(error)}`,
          NONE,
          "Check the prop values against their documentation",
        );
      }
    }
  }
}

/** The problems an error carries in jiti's shape (a userData tree's `UserDataError`), if it carries any. */
function innerProblems(error: unknown): Problem[] | undefined {
  const inner = (error as { problems?: unknown } | null)?.problems;
  if (!Array.isArray(inner) || inner.length === 0) return undefined;
  const shaped = inner.every(
    (p: unknown) =>
      typeof p === "object" && p !== null && typeof (p as Problem).message === "string" && typeof (p as Problem).fix === "string",
  );
  return shaped ? (inner as Problem[]) : undefined;
}

/** `web-app-dev/main/public-a`: the stack, then the names along the path. */
function readableName(draft: Draft): string {
  const names: string[] = [];
  for (let d: Draft | StackDraft = draft; d.particle; d = d.parent) names.unshift(d.node.name ?? d.particle.name);
  let stack: Draft | StackDraft = draft;
  while (stack.particle) stack = stack.parent;
  return [stack.tree.stack, ...names].join("/");
}

const NONE = Symbol("none");
const INVALID = Symbol("invalid");

/** Converts a prop value into JSON, references into `{ $ref }`. */
function toJson(
  value: unknown,
  at: string,
  refs: ReadonlyMap<Ref, Draft>,
  draft: Draft,
  report: (message: string, found: unknown, fix: string) => void,
): Json | typeof INVALID {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
    report(`${at} must be a finite number`, String(value), "Pass a number");
    return INVALID;
  }
  if (isRef(value)) {
    const target = refs.get(value);
    if (!target) {
      report(
        `${at} refers to a <${value.componentName}> that is not in the tree`,
        `ref(${value.componentName})`,
        `Bind the reference with ref={…} on a <${value.componentName}> rendered in this stack, or remove it from ${at}`,
      );
      return INVALID;
    }
    return { $ref: target.node.path };
  }
  if (isElement(value)) {
    // Element props (such as userData) are turned into JSON by the particle's normalize.
    return value as unknown as Json;
  }
  if (Array.isArray(value)) {
    const out: Json[] = [];
    let ok = true;
    value.forEach((item, i) => {
      const v = toJson(item, `${at}[${i}]`, refs, draft, report);
      if (v === INVALID) ok = false;
      else out.push(v);
    });
    return ok ? out : INVALID;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: JsonObject = {};
    let ok = true;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const c = toJson(v, `${at}.${k}`, refs, draft, report);
      if (c === INVALID) ok = false;
      else out[k] = c;
    }
    return ok ? out : INVALID;
  }
  report(
    `${at} must be plain data (strings, numbers, booleans, arrays, objects) or a ref`,
    describeValue(value),
    "Pass plain values; compute them before rendering",
  );
  return INVALID;
}

const RULE_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Waivers by rule id, each with its reason; or what is wrong with them. */
function checkWaive(value: unknown): Record<string, string> | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "waive must map rule ids to reasons";
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return "waive must name at least one rule";
  for (const [id, reason] of entries) {
    if (!RULE_ID.test(id)) return `waive names "${id}", which is not a rule id (lowercase words joined by '-')`;
    if (typeof reason !== "string" || reason.trim() === "") return `the waiver of "${id}" needs a reason`;
  }
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1))) as Record<string, string>;
}

function checkExisting(value: unknown): Existing | string {
  if (typeof value !== "object" || value === null) return "existing must be { id } or { tags }";
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v);
  if (keys.length === 1 && typeof v.id === "string" && v.id.length > 0) return { id: v.id };
  if (keys.length === 1 && typeof v.tags === "object" && v.tags !== null) {
    const tags = v.tags as Record<string, unknown>;
    const entries = Object.entries(tags);
    if (entries.length > 0 && entries.every(([, t]) => typeof t === "string")) return { tags: tags as Record<string, string> };
  }
  return "existing must be { id: string } or { tags: { key: value, … } } with at least one tag";
}

function sortKeys(props: JsonObject): JsonObject {
  return Object.fromEntries(
    Object.keys(props)
      .sort()
      .map((k) => [k, props[k]!]),
  );
}
