import type { JitiNode } from "@jiti/jsx-runtime";
import type { Issue } from "@jiti/reconciler";

/**
 * The userData vocabulary. A step component (`<File>`, `<Run>`, …) is a
 * function branded with a registered symbol, as particles are: the userData
 * renderer recognises it and asks it for steps instead of calling it, and
 * two copies of this package still agree on what a step component is.
 */
export const STEP = Symbol.for("jiti.userdata.step");

/** What the boot script is made of: plain data, turned into bash by `_script.ts`. */
export type Step = FileStep | RunStep | PackagesStep;

export interface FileStep {
  kind: "file";
  /** Absolute path on the instance. */
  path: string;
  /** Octal permissions, four digits: `"0644"`. */
  mode: string;
  /** `user` or `user:group`; root when absent. */
  owner?: string;
  /** Text goes into a quoted heredoc; `gzip` is written as base64 and unpacked at boot. */
  body: { text: string } | { gzip: Uint8Array };
}

export interface RunStep {
  kind: "run";
  /** Bash, run as part of the script (under `set -euo pipefail`). */
  command: string;
}

export interface PackagesStep {
  kind: "packages";
  /** Installed with dnf, or apt-get when there is no dnf. */
  names: string[];
}

/** Where a step component's element was written, and how to report what is wrong with it. */
export interface StepContext {
  /** The element's file as the compiler recorded it (absolute), when known. */
  fileName: string | undefined;
  /** Folder that relative paths in messages, and in entries without a source file, start from. */
  sourceRoot: string;
  /** Reports a problem found while producing steps (a missing file, a bundle that fails). */
  report(issue: Issue): void;
}

/** How a step component turns its props into steps. */
export interface StepDefinition<P> {
  /** Component name, as written in JSX and shown in messages: `File`. */
  name: string;
  /** Every prop it accepts; any other prop is reported. */
  props: readonly (keyof P & string)[];
  /** Whether `children` holds text (`<Run>echo hi</Run>`) or must be empty. */
  children: "text" | "none";
  /** Every problem with the props, collected (pure). Steps are asked for only when there are none. */
  check(props: P): Issue[];
  /** A short label for the script's comment line, e.g. the file path. */
  label(props: P): string;
  steps(props: P, ctx: StepContext): Step[];
}

export type StepComponent<P> = ((props: P) => JitiNode) & { readonly [STEP]: StepDefinition<P> };

/** Turns a step definition into the component users write inside `<CloudInit>`. */
export function defineStep<P>(definition: StepDefinition<P>): StepComponent<P> {
  const component = (_props: P): JitiNode => {
    // Only the userData renderer knows these; the infrastructure renderer calls
    // them as plain components, and lands here when one is misplaced.
    throw new Error(
      `<${definition.name}> is a userData step: render it inside <CloudInit> in an instance's userData prop, e.g. <Ec2 userData={<CloudInit><${definition.name} … /></CloudInit>} />`,
    );
  };
  Object.defineProperties(component, {
    [STEP]: { value: definition },
    name: { value: definition.name },
    displayName: { value: definition.name },
  });
  return component as StepComponent<P>;
}

// Step definitions are generic in their props; the renderer holds them erased.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStepDefinition = StepDefinition<any>;

export function stepOf(type: unknown): AnyStepDefinition | undefined {
  if (typeof type !== "function") return undefined;
  return (type as unknown as Record<symbol, AnyStepDefinition | undefined>)[STEP];
}
