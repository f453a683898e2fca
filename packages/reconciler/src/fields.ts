import { isRefValue, type JsonObject } from "./particle.js";
import { pathSegments } from "./path.js";
import type { Issue } from "./problems.js";

/**
 * Small checks particles compose in their `validate`: each returns the issue
 * for a value under a prop name, or nothing when the value is fine.
 */
export type Check = (value: unknown, name: string) => Issue | undefined;

/** A check that may find several issues at once (every bad item of a list). */
export type Checks = (value: unknown, name: string) => Issue | Issue[] | undefined;

/** The checks of `checkFields`, by prop name: a `required` prop that is missing is an issue, with `example` in its fix. */
export interface FieldRules {
  [prop: string]: { check: Check | Checks; required?: boolean; example?: string };
}

/** Runs every rule, collecting all issues; a missing required prop is one too. */
export function checkFields(props: JsonObject, rules: FieldRules): Issue[] {
  const issues: Issue[] = [];
  for (const [name, rule] of Object.entries(rules)) {
    const value = props[name];
    if (value === undefined) {
      if (rule.required)
        issues.push({ message: `${name} is required`, fix: `Set ${name}${rule.example ? `, e.g. ${name}=${rule.example}` : ""}` });
      continue;
    }
    const found = rule.check(value, name);
    if (found) issues.push(...(Array.isArray(found) ? found : [found]));
  }
  return issues;
}

/** The checks, by what they accept: `is.string({ pattern })`, `is.integer({ min, max })`, `is.oneOf([...])`, `is.ref("Vpc")`. */
export const is = {
  string(opts: { pattern?: RegExp; what?: string; example?: string; maxLength?: number } = {}): Check {
    return (value, name) => {
      if (typeof value !== "string")
        return { message: `${name} must be a string`, found: value, fix: `Pass a string${opts.example ? ` such as ${opts.example}` : ""}` };
      if (opts.maxLength !== undefined && value.length > opts.maxLength) {
        return { message: `${name} must be at most ${opts.maxLength} characters`, found: value, fix: `Shorten ${name}` };
      }
      if (opts.pattern && !opts.pattern.test(value)) {
        return {
          message: `${name} must be ${opts.what ?? `a string matching ${opts.pattern}`}`,
          found: value,
          fix: `Use a value such as ${opts.example ?? "…"}`,
        };
      }
      return undefined;
    };
  },
  integer(opts: { min?: number; max?: number; what?: string }): Check {
    return (value, name) => {
      const range = `${opts.min ?? "-∞"} to ${opts.max ?? "∞"}`;
      if (typeof value !== "number" || !Number.isInteger(value)) {
        return {
          message: `${name} must be a whole number${opts.what ? ` (${opts.what})` : ""}`,
          found: value,
          fix: `Use a whole number from ${range}`,
        };
      }
      if ((opts.min !== undefined && value < opts.min) || (opts.max !== undefined && value > opts.max)) {
        return {
          message: `${name} must be from ${range}${opts.what ? ` (${opts.what})` : ""}`,
          found: value,
          fix: `Use a value from ${range}`,
        };
      }
      return undefined;
    };
  },
  boolean(): Check {
    return (value, name) =>
      typeof value === "boolean"
        ? undefined
        : { message: `${name} must be true or false`, found: value, fix: `Write ${name} or ${name}={false}` };
  },
  oneOf(values: readonly (string | number)[]): Check {
    return (value, name) =>
      values.includes(value as string)
        ? undefined
        : {
            message: `${name} must be one of ${values.map((v) => JSON.stringify(v)).join(", ")}`,
            found: value,
            fix: `Use one of the values listed`,
          };
  },
  /** A map of tag keys to string values, within EC2 and IAM tag limits. */
  tags(): Check {
    return (value, name) => {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return { message: `${name} must map tag keys to strings`, found: value, fix: 'Use tags={{ team: "analytics" }}' };
      }
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== "string")
          return { message: `${name}.${k} must be a string`, found: v, fix: "Tag values are strings; convert with String()" };
        if (k.length === 0 || k.length > 128)
          return { message: `${name} keys must be 1 to 128 characters`, found: k, fix: "Shorten the tag key" };
        if (v.length > 256) return { message: `${name}.${k} must be at most 256 characters`, found: v, fix: "Shorten the tag value" };
        if (k.toLowerCase().startsWith("aws:") || k.startsWith("jiti:")) {
          return { message: `${name} keys starting with "aws:" or "jiti:" are reserved`, found: k, fix: "Choose another tag key" };
        }
      }
      return undefined;
    };
  },
  arrayOf(item: Check | Checks, opts: { maxItems?: number } = {}): Checks {
    return (value, name) => {
      if (!Array.isArray(value)) return { message: `${name} must be an array`, found: value, fix: `Pass [ … ]` };
      if (opts.maxItems !== undefined && value.length > opts.maxItems) {
        return { message: `${name} may hold at most ${opts.maxItems} items`, found: value.length, fix: `Remove items from ${name}` };
      }
      // Every bad item, not just the first: one run shows them all.
      const issues: Issue[] = [];
      for (let i = 0; i < value.length; i++) {
        const found = item(value[i], `${name}[${i}]`);
        if (found) issues.push(...(Array.isArray(found) ? found : [found]));
      }
      return issues.length > 0 ? issues : undefined;
    };
  },
  /** A `ref()` to a particle of the given component. */
  ref(component: string): Check {
    return (value, name) =>
      isRefValue(value)
        ? wrongKind(value.$ref, component, name, `Pass a ref(${component}) bound to a <${component}>`)
        : {
            message: `${name} must be a reference to a <${component}>`,
            found: value,
            fix: `Create one with ref(${component}), bind it with ref={…} and pass it here`,
          };
  },
  /** A `ref()` or a literal id with the given prefix (`sg-`). */
  refOrId(component: string, prefix: string): Check {
    return (value, name) =>
      isRefValue(value)
        ? wrongKind(value.$ref, component, name, `Pass a ref(${component}) bound to a <${component}>, or an id starting with "${prefix}"`)
        : typeof value === "string" && value.startsWith(prefix)
          ? undefined
          : {
              message: `${name} must be a reference to a <${component}> or an id starting with "${prefix}"`,
              found: value,
              fix: `Pass ref(${component}) bound to an element, or an existing id such as "${prefix}0abc1234"`,
            };
  },
};

/**
 * A reference to an element of another component than the prop takes: caught
 * here, before AWS is asked to use an internet gateway's id as a security
 * group's (TypeScript catches it too, but a stack need not be type-checked).
 */
function wrongKind(target: string, component: string, name: string, fix: string): Issue | undefined {
  const found = pathSegments(target).at(-1)?.component;
  if (found === undefined || found === component) return undefined;
  return { message: `${name} must be a reference to a <${component}>, not to a <${found}>`, found: target, fix };
}

/**
 * The known name `name` was most likely meant to be, for "did you mean":
 * the same but for case, or within two edits.
 */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  // The closest within two edits (the first of those equally close): "t3micro" is t3.micro, not t1.micro.
  let best: { name: string; distance: number } | undefined;
  for (const k of known) {
    const distance = editDistance(k, name);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name: k, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
