import type { DesiredState, Existing, JsonObject } from "../particle.js";
import type { Issue } from "../problems.js";

/**
 * Rules: checks that look across elements of a rendered tree (a public
 * subnet needs a route to an internet gateway; an instance's groups live in
 * its VPC), and an organisation's policy (no SSH from the world). A rule is a
 * pure function of the tree; render runs every particle's own `validate`
 * first, then the rules, and reports both in one list, each with the
 * element's path and its `stack.tsx` line.
 */
export interface Rule {
  /** Stable id, by which a rule is configured and waived: `public-subnet-route`. Lowercase words joined by `-`. */
  id: string;
  /** What a finding is: an `error` fails the render, a `warning` is reported beside the plan. */
  severity: Severity;
  /** One line: what the rule holds and why. */
  description: string;
  /** One line: how to comply, in general (each finding says how to fix itself). */
  fix: string;
  /**
   * The rule finds what AWS would refuse half way through an apply (a subnet
   * outside its VPC's block): always an error, never waived. @default false
   */
  mandatory?: boolean;
  /** Every finding in the tree. Pure: no AWS calls, no side effects. */
  check(tree: RuleTree): Finding[];
}

/** What a finding does: an `error` fails the render, a `warning` is shown beside the plan. A project may set another per rule id (`RuleSettings.severity`). */
export type Severity = "error" | "warning";

/** A rule's finding: an issue of one element. */
export interface Finding extends Issue {
  node: RuleNode;
}

/** The rendered tree as rules see it: every particle with its parent and children as nodes, never as path text. */
export interface RuleTree {
  /** The stack's name. */
  stack: string;
  /** The stack's own tags. */
  tags: Record<string, string>;
  /** Every particle, parents before children, in tree order; not those `terminated` (or inside one), which are being removed. */
  nodes: readonly RuleNode[];
  /** The particles right inside the `<Stack>`. */
  top: readonly RuleNode[];
  /** The particles of one type (`aws.ec2.Subnet`), in tree order. */
  ofType(type: string): readonly RuleNode[];
  /** The element a prop value refers to: the target of a `{ $ref }`, else undefined (an id, or not a reference). */
  target(value: unknown): RuleNode | undefined;
}

/** One particle of the tree. */
export interface RuleNode {
  /** `aws.ec2.Subnet` */
  type: string;
  /** The component users write: `Subnet`, for messages (`<Subnet>`). */
  component: string;
  name: string | undefined;
  /** Its identity, for messages; rules never take it apart. */
  path: string;
  state: DesiredState;
  /** Props with defaults applied, in canonical form; references are `{ $ref: path }` (see `target`). */
  props: JsonObject;
  /** Set when the element adopts a resource jiti does not own: it has no props then. */
  existing: Existing | undefined;
  /** `stack.tsx:12` */
  source: string | undefined;
  /** Rules the element is excused from, by id, with the reason: its findings of those rules are reported as waived. */
  waive: Readonly<Record<string, string>> | undefined;
  /** The particle it is nested in; undefined right inside the `<Stack>`. */
  parent: RuleNode | undefined;
  children: readonly RuleNode[];
  /**
   * Whether its particle's own `validate` passed. A rule about a node whose
   * props failed it would mostly repeat those problems, so a rule that reads
   * a node's props closely skips invalid ones (and reads neighbours' props
   * defensively: they may be invalid too).
   */
  valid: boolean;
}
