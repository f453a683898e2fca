/**
 * One thing wrong with the stack, in the shape every jiti error takes:
 * `<path> (<type>): <what is wrong> (found: <value>). <how to fix>.`
 */
export interface Problem {
  /** Element path, e.g. `Vpc:main/Subnet:public-a`; empty for the stack itself. */
  path: string;
  /** Particle type, e.g. `aws.ec2.Subnet`, or the component name for non-particles. */
  type: string;
  /** What is wrong, without a trailing full stop. */
  message: string;
  /** The offending value, shown after `found:`; omitted when there is none. */
  found?: unknown;
  /** How to fix it, without a trailing full stop. */
  fix: string;
  /** `stack.tsx:12` when the element's source is known. */
  source?: string;
  /** The id of the rule that found it, for problems found by rules (see `Rule`). */
  rule?: string;
  /** For a finding the element waives: the waiver's reason. */
  waived?: string;
  /** Set when the rule is mandatory (what AWS would refuse): its finding cannot be waived. */
  mandatory?: true;
}

/** What a particle's `validate` returns: a problem without its location. */
export interface Issue {
  message: string;
  found?: unknown;
  fix: string;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "bigint") return `${value}n`;
  try {
    const json = JSON.stringify(value);
    return json.length > 120 ? `${json.slice(0, 117)}...` : json;
  } catch {
    return String(value);
  }
}

/** `text` as a sentence: with a full stop, unless it ends in one already, or in a question or exclamation mark (`Did you mean "t3.micro"?`). */
export function sentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

/** A problem as one line of every jiti error: `stack.tsx:12: <path> (<type>): <what is wrong> (found: <value>). <how to fix>.` */
export function formatProblem(p: Problem): string {
  const where = p.source ? `${p.source}: ` : "";
  const subject = p.path ? `${p.path} (${p.type})` : p.type;
  const found = "found" in p ? ` (found: ${describeValue(p.found)})` : "";
  return `${where}${subject}: ${p.message}${found}. ${sentence(p.fix)}`;
}

/** Render failed: every problem found in the tree, reported together, with what rules found besides. */
export class RenderError extends Error {
  override readonly name: string = "RenderError";
  constructor(
    readonly problems: readonly Problem[],
    /** Findings of rules of severity `warning`, and stale waivers: they alone would not have failed the render. */
    readonly warnings: readonly Problem[] = [],
    /** Findings the elements waive, each with its reason. */
    readonly waived: readonly Problem[] = [],
  ) {
    super(
      `The stack has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
    );
  }
}
