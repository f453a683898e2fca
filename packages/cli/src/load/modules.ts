import type { AnyParticle, Rule } from "@jiti/reconciler";
import { particleOf, type AwsSettings, type StackLock } from "@jiti/reconciler/particle";

/**
 * The jiti packages a `stack.tsx` may import, as bundled into this CLI.
 *
 * A stack's `@jiti/*` imports are served from these very module objects (see
 * compile.ts), so the process holds one copy of jiti: the particles the stack
 * renders are the ones the CLI plans with, and nothing is loaded twice.
 * Each entry is a dynamic import, so a command loads only what it uses.
 *
 * Keep this list in step with the `exports` maps of the workspace packages
 * (test/cli/modules.test.ts checks it).
 */
const loaders = {
  "@jiti/jsx-runtime": () => import("@jiti/jsx-runtime"),
  "@jiti/jsx-runtime/jsx-runtime": () => import("@jiti/jsx-runtime/jsx-runtime"),
  "@jiti/jsx-runtime/jsx-dev-runtime": () => import("@jiti/jsx-runtime/jsx-dev-runtime"),
  "@jiti/reconciler": () => import("@jiti/reconciler"),
  "@jiti/reconciler/particle": () => import("@jiti/reconciler/particle"),
  "@jiti/aws-particles": () => import("@jiti/aws-particles"),
  "@jiti/aws-particles/userdata": () => import("@jiti/aws-particles/userdata"),
  "@jiti/aws-particles/errors": () => import("@jiti/aws-particles/errors"),
} satisfies Record<string, () => Promise<object>>;

export type ModuleName = keyof typeof loaders;

export const MODULE_NAMES = Object.keys(loaders) as ModuleName[];

/**
 * Where a compiled stack finds the modules it imports: a registered symbol on
 * `globalThis`, because the stack is a separate module that can only reach
 * the CLI's module objects through a global.
 */
export const REGISTRY = Symbol.for("jiti.cli.modules");

type Registry = Map<string, Record<string, unknown>>;

function registry(): Registry {
  const g = globalThis as { [REGISTRY]?: Registry };
  return (g[REGISTRY] ??= new Map());
}

export function isModuleName(name: string): name is ModuleName {
  return Object.hasOwn(loaders, name);
}

/** Loads one of the CLI's modules and makes it reachable from compiled stacks. */
export async function loadModule(name: ModuleName): Promise<Record<string, unknown>> {
  const loaded = registry().get(name);
  if (loaded) return loaded;
  const module = (await loaders[name]()) as Record<string, unknown>;
  registry().set(name, module);
  return module;
}

/**
 * Every particle kind jiti knows, so a run finds resources of kinds the stack
 * no longer renders (and `destroy` finds everything).
 */
export async function particleCatalogue(): Promise<AnyParticle[]> {
  const module = await loadModule("@jiti/aws-particles");
  if (Array.isArray(module.particles)) return module.particles as AnyParticle[];
  return Object.values(module).flatMap((value) => particleOf(value) ?? []);
}

/** Every rule jiti ships (the particles' own), for describing findings: what `jiti check --format sarif` lists. */
export async function builtInRules(): Promise<Rule[]> {
  const module = await loadModule("@jiti/aws-particles");
  return Array.isArray(module.rules) ? (module.rules as Rule[]) : [];
}

/** The lock that keeps two applies of one stack apart: the stack's SSM parameter (see aws-particles' ssmLock). */
export async function stackLock(): Promise<StackLock> {
  const module = await loadModule("@jiti/aws-particles");
  return (module.ssmLock as () => StackLock)();
}

/** The account, caller and region a run acts in: what `jiti sweep` names before it acts. */
export async function awsIdentity(settings: AwsSettings): Promise<{ account: string; arn: string; region: string }> {
  const module = await loadModule("@jiti/aws-particles");
  return (module.callerIdentity as (settings: AwsSettings) => Promise<{ account: string; arn: string; region: string }>)(settings);
}
