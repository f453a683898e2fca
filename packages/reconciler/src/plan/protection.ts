import { RenderError, type Problem } from "../problems.js";
import { parentPath } from "../path.js";
import type { Catalogue, Snapshot } from "../read.js";
import type { ParticleNode } from "../tree.js";
import type { Action, Plan } from "./types.js";

/** A plan would delete or replace a protected resource: nothing was changed. */
export class ProtectionError extends RenderError {
  override readonly name: string = "ProtectionError";
}

/**
 * The deletes and replaces of a plan that touch a protected resource: one
 * that carries the `jiti:protect` tag, or whose element says `protect`. Each
 * names the element and what forces the change, and says how to lift the
 * protection (remove `protect`, apply, then change).
 */
export function protectionProblems(
  plan: Plan,
  snapshot: Snapshot,
  nodes: ReadonlyMap<string, ParticleNode>,
  particles: Catalogue = new Map(),
): Problem[] {
  const byId = new Map(snapshot.owned.map((live) => [`${live.type} ${live.id}`, live]));
  const problems: Problem[] = [];
  for (const action of plan.actions) {
    if (action.action !== "delete" && action.action !== "replace") continue;
    const live = action.id ? byId.get(`${action.type} ${action.id}`) : undefined;
    const node = nodes.get(action.path);
    if (!live?.protected && !node?.protect) continue;
    const source = node?.source ?? action.source;
    problems.push({
      path: action.path || action.key,
      type: action.type,
      ...whyBlocked(action, nodes, particles.get(action.type)?.parentProp),
      ...(source ? { source } : {}),
    });
  }
  return problems;
}

function whyBlocked(
  action: Action,
  nodes: ReadonlyMap<string, ParticleNode>,
  parentProp: string | undefined,
): Pick<Problem, "message" | "found" | "fix"> {
  const parent = nodes.get(parentPath(action.path));
  if (action.action === "replace") {
    const forced = action.changes.filter((c) => c.forcesReplace);
    // A new parent means a new resource: the cause is the parent's replace, not a prop of this element.
    if (parentProp && forced.length === 1 && forced[0]!.field === parentProp && parent) {
      return {
        message: `is protected, but the plan would replace it: it is inside ${parent.path}, which is replaced`,
        found: { [parentProp]: { from: forced[0]!.from ?? null, to: forced[0]!.to ?? null } },
        fix: `Keep what forces the replace of ${parent.path}; or lift this element's protection first (remove protect and apply)`,
      };
    }
    const fields = forced.map((c) => c.field);
    return {
      message: `is protected, but the plan would replace it: ${fields.join(", ")} ${fields.length === 1 ? "forces" : "force"} a new resource`,
      found: Object.fromEntries(forced.map((c) => [c.field, { from: c.from ?? null, to: c.to ?? null }])),
      fix: `Keep ${fields.join(", ")} as ${fields.length === 1 ? "it is" : "they are"}; or lift the protection first (remove protect and apply), then make this change`,
    };
  }
  const node = nodes.get(action.path);
  const reason =
    node?.state === "terminated" && parent?.state === "terminated"
      ? `it is inside ${parent.path}, which is terminated`
      : (action.reason ?? "not in the tree any more");
  return {
    message: `is protected, but the plan would delete it (${reason})`,
    found: action.id,
    fix: "Keep it; or lift the protection first: remove protect from its element and apply, then delete it",
  };
}
