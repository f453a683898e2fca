/** The brand on every `Ref`, registered (`Symbol.for`) so refs from two copies of this package are both recognised. */
export const REF = Symbol.for("jiti.ref");

/**
 * A typed reference to another element of the tree. Create it with
 * `ref(SecurityGroup)`, bind it with `ref={web}` on exactly one element, and
 * pass it to props that accept that kind (`securityGroups={[web]}`).
 * `Kind` is the referenced particle's type, e.g. `"aws.ec2.SecurityGroup"`.
 */
export interface Ref<Kind extends string = string> {
  readonly $$typeof: typeof REF;
  /** The particle type this reference may point at. */
  readonly kind: Kind;
  /** The component name, for messages (`SecurityGroup`). */
  readonly componentName: string;
}

/** Anything with a particle kind: the particle components. */
export interface Kinded<Kind extends string = string> {
  readonly kind: Kind;
  readonly displayName: string;
}

/** Creates a reference to an element of the given particle component. */
export function ref<C extends Kinded>(component: C): Ref<C["kind"]> {
  return Object.freeze({ $$typeof: REF, kind: component.kind, componentName: component.displayName });
}

/** Whether `value` is a `Ref` made by `ref()`, from any copy of the package. */
export function isRef(value: unknown): value is Ref {
  return typeof value === "object" && value !== null && (value as { $$typeof?: unknown }).$$typeof === REF;
}
