import type { JsonObject } from "@jiti/reconciler";
import { checkFields, is } from "@jiti/reconciler/particle";
import { absolutePath, envMap, oneLine, unitName, userName } from "./_checks.js";
import { shellQuote } from "./_script.js";
import { defineStep, type Step } from "./_step.js";

/** When systemd restarts a service's process (its `Restart=`): after any exit, after a failure only, or never. */
export type RestartPolicy = "always" | "on-failure" | "no";

/** Props of `<Service>`: a systemd service started at boot. */
export interface ServiceProps {
  /** Unit name: the service is `<name>.service`, written to `/etc/systemd/system/`. */
  name: string;
  /**
   * The command line, as systemd's `ExecStart` reads it: `"/usr/bin/python3 -m http.server 80"`.
   * `$NAME` and `${NAME}` expand from `env`; `%` is literal.
   */
  exec: string;
  /** Environment variables of the service, e.g. `{ LOG_LEVEL: "info" }`. */
  env?: Record<string, string>;
  /** Linux user the service runs as; created as a system account if missing. @default root */
  user?: string;
  /** Absolute folder the service starts in; created if missing. @default "/" */
  workingDirectory?: string;
  /** When systemd restarts the process: `"always"`, `"on-failure"` or `"no"`. @default "always" */
  restart?: RestartPolicy;
}

/** A service as a unit file plus the lines that start it; NodeApp adds to it. */
export interface ServiceSpec extends ServiceProps {
  /** Extra `[Service]` lines, e.g. `AmbientCapabilities=…`. */
  extra?: string[];
}

/** Runs a long-lived process as a systemd service, started at boot and restarted when it exits. */
export const Service = defineStep<ServiceProps>({
  name: "Service",
  props: ["name", "exec", "env", "user", "workingDirectory", "restart"],
  children: "none",
  check: (props) =>
    checkFields(props as unknown as JsonObject, {
      name: { check: unitName, required: true, example: '"web"' },
      exec: { check: oneLine('"/usr/bin/python3 -m http.server 80"'), required: true, example: '"/usr/bin/python3 -m http.server 80"' },
      env: { check: envMap },
      user: { check: userName },
      workingDirectory: { check: absolutePath },
      restart: { check: is.oneOf(["always", "on-failure", "no"]) },
    }),
  label: (props) => props.name,
  steps: (props) => serviceSteps(props),
});

/**
 * The unit file, then `systemctl`. `restart` rather than `enable --now` so a
 * script run again (by hand, after changing a file) starts the new version.
 */
export function serviceSteps(spec: ServiceSpec): Step[] {
  const unit = `${spec.name}.service`;
  const steps: Step[] = [];
  if (spec.user && spec.user !== "root") {
    const user = shellQuote(spec.user);
    steps.push({
      kind: "run",
      command: `id -u ${user} >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin ${user}`,
    });
  }
  if (spec.workingDirectory) steps.push({ kind: "run", command: `mkdir -p ${shellQuote(spec.workingDirectory)}` });
  steps.push(
    { kind: "file", path: `/etc/systemd/system/${unit}`, mode: "0644", body: { text: unitFile(spec) } },
    {
      kind: "run",
      command: ["systemctl daemon-reload", `systemctl enable ${shellQuote(unit)}`, `systemctl restart ${shellQuote(unit)}`].join("\n"),
    },
  );
  return steps;
}

function unitFile(spec: ServiceSpec): string {
  const env = Object.keys(spec.env ?? {})
    .sort()
    .map((key) => `Environment="${escapeUnit(`${key}=${spec.env![key]}`)}"`);
  return [
    "[Unit]",
    `Description=${spec.name} (rendered by jiti)`,
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    `ExecStart=${spec.exec.replace(/%/g, "%%")}`,
    ...(spec.user ? [`User=${spec.user}`] : []),
    ...(spec.workingDirectory ? [`WorkingDirectory=${spec.workingDirectory.replace(/%/g, "%%")}`] : []),
    ...env,
    ...(spec.extra ?? []),
    `Restart=${spec.restart ?? "always"}`,
    "RestartSec=2",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** Inside a quoted unit-file value, `\` and `"` are escapes and `%` starts a specifier. */
function escapeUnit(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%");
}
