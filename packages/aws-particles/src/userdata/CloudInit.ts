import type { JitiNode } from "@jiti/jsx-runtime";

const CLOUD_INIT = Symbol.for("jiti.userdata.cloudInit");

/** Props of `<CloudInit>`, the root of an instance's userData. */
export interface CloudInitProps {
  /** Echo every command to the boot log (`/var/log/cloud-init-output.log`) with `set -x`. @default false */
  trace?: boolean;
  /** The steps, run in order: `<Package>`, `<File>`, `<Run>`, `<Service>`, `<NodeApp>`, or components returning them. */
  children?: JitiNode;
}

/**
 * The root of an instance's userData: renders its steps into one bash boot
 * script, which cloud-init runs once, as root, on the instance's first boot.
 * Changing any step (or the files of a `<NodeApp>`) changes the script, and so
 * the instance's `userData`.
 */
export function CloudInit(_props: CloudInitProps): JitiNode {
  // The userData renderer never calls this; the infrastructure renderer does when it is misplaced.
  throw new Error("<CloudInit> is the root of an instance's userData: pass it as a prop, e.g. <Ec2 userData={<CloudInit>…</CloudInit>} />");
}
Object.defineProperty(CloudInit, CLOUD_INIT, { value: true });

export function isCloudInit(type: unknown): boolean {
  return typeof type === "function" && (type as unknown as Record<symbol, unknown>)[CLOUD_INIT] === true;
}
