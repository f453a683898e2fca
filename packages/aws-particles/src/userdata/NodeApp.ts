import type { JsonObject } from "@jiti/reconciler";
import { checkFields, is } from "@jiti/reconciler/particle";
import { existsSync, statSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { bundleNodeApp } from "./_bundle.js";
import { envMap, userName } from "./_checks.js";
import { defineStep, type Step, type StepContext } from "./_step.js";
import { serviceSteps } from "./Service.js";

/** Props of `<NodeApp>`: a Node.js app bundled from `entry` and run as a service. */
export interface NodeAppProps {
  /**
   * The app's entry file, `.ts` or `.js`, e.g. `"./server.ts"`. A relative path
   * is resolved from the folder of the file where `<NodeApp>` is written. The
   * entry and everything it imports are bundled into one file with esbuild and
   * written into the boot script, so changing the app changes the plan.
   */
  entry: string;
  /** Sets `PORT` for the app, which should listen on it. Ports below 1024 are allowed to bind without root. @default unset */
  port?: number;
  /** Environment variables of the app. `NODE_ENV` is `"production"` unless set here. */
  env?: Record<string, string>;
  /**
   * How the app's npm packages reach the instance. `"bundle"`: with the app,
   * in the boot script, which EC2 limits to 16 KB (gzipped): enough for an
   * app with few or small dependencies. `"install"`: only the app's own
   * files are bundled, and at boot `npm install` fetches the packages it
   * imports, each at the version its node_modules holds (their own
   * dependencies as npm resolves them then: there is no lockfile); the
   * packages must come from the npm registry, which the instance must reach
   * (a public subnet, or a NAT gateway). Changing it updates the user data,
   * which replaces the instance, as any change of the app does.
   * @default "bundle"
   */
  dependencies?: "bundle" | "install";
  /**
   * Name of the app: its folder `/opt/<name>/`, its systemd service
   * `<name>.service` and the system user it runs as.
   * @default "app"
   */
  name?: string;
}

/** The service and folder name of an app that names none. */
const DEFAULT_NAME = "app";

/**
 * Runs a Node.js app on the instance: installs Node.js at boot (dnf on Amazon
 * Linux 2023, apt-get on Ubuntu), writes the bundled app to
 * `/opt/<name>/app.js` and runs it as a systemd service.
 */
export const NodeApp = defineStep<NodeAppProps>({
  name: "NodeApp",
  props: ["entry", "port", "env", "dependencies", "name"],
  children: "none",
  check(props) {
    const issues = checkFields(props as unknown as JsonObject, {
      entry: {
        check: is.string({ pattern: /\S/, what: "a path to the app's entry file", example: '"./server.ts"' }),
        required: true,
        example: '"./server.ts"',
      },
      port: { check: is.integer({ min: 1, max: 65535, what: "a TCP port" }) },
      env: { check: envMap },
      dependencies: { check: is.oneOf(["bundle", "install"]) },
      name: { check: userName },
    });
    if (props.port !== undefined && props.env?.PORT !== undefined) {
      issues.push({
        message: "PORT is set twice, by port and by env.PORT",
        found: { port: props.port, "env.PORT": props.env.PORT },
        fix: "Keep one of them",
      });
    }
    return issues;
  },
  label: (props) => props.name ?? DEFAULT_NAME,
  steps(props, ctx) {
    const name = props.name ?? DEFAULT_NAME;
    const install = props.dependencies === "install";
    const bundled = bundle(props.entry, ctx, install);
    if (bundled === undefined) return [];
    const env: Record<string, string> = { NODE_ENV: "production", ...props.env };
    if (props.port !== undefined) env.PORT = String(props.port);
    const dependencies = Object.keys(bundled.packages).length > 0 ? dependencySteps(name, bundled.packages) : [];
    return [
      // npm comes in its own package on Ubuntu, and as the nodejs package's companion on Amazon Linux.
      { kind: "packages", names: dependencies.length > 0 ? ["nodejs", "npm"] : ["nodejs"] },
      // Minified JavaScript still shrinks to about a third with gzip, and EC2
      // allows only 16 KB of user data.
      { kind: "file", path: `/opt/${name}/app.js`, mode: "0644", body: { gzip: gzip(bundled.code) } },
      ...dependencies,
      ...serviceSteps({
        name,
        exec: `/usr/bin/env node /opt/${name}/app.js`,
        env,
        user: name,
        workingDirectory: `/opt/${name}`,
        // Lets the app's own user listen on port 80 or 443.
        extra: props.port !== undefined && props.port < 1024 ? ["AmbientCapabilities=CAP_NET_BIND_SERVICE"] : [],
      }),
    ];
  },
});

/**
 * The app's npm packages, installed at boot beside app.js (whose require()s
 * find them in /opt/<name>/node_modules): a package.json pinning the
 * versions the app was built with, and `npm install` of it.
 */
function dependencySteps(name: string, packages: Record<string, string>): Step[] {
  const manifest = { name, private: true, dependencies: packages };
  return [
    { kind: "file", path: `/opt/${name}/package.json`, mode: "0644", body: { text: `${JSON.stringify(manifest, null, 2)}\n` } },
    { kind: "run", command: `cd /opt/${name} && npm install --omit=dev --no-audit --no-fund --no-update-notifier` },
  ];
}

/** The bundled app, or undefined after reporting why there is none. */
function bundle(entry: string, ctx: StepContext, external: boolean): { code: string; packages: Record<string, string> } | undefined {
  const base = ctx.fileName ? dirname(resolve(ctx.sourceRoot, toPath(ctx.fileName))) : ctx.sourceRoot;
  const file = resolve(base, entry);
  const shown = (path: string) => relative(ctx.sourceRoot, path).split(sep).join("/") || ".";
  if (!existsSync(file) || !statSync(file).isFile()) {
    ctx.report({
      message: "the entry file does not exist",
      found: shown(file),
      fix: ctx.fileName
        ? `Check the path: a relative entry is resolved from ${shown(base)}/, the folder of the file where <NodeApp> is written`
        : `Check the path: this <NodeApp> has no source file (JSX compiled without jsxDEV), so a relative entry is resolved from the source root`,
    });
    return undefined;
  }
  const result = bundleNodeApp(file, { external });
  if ("code" in result) return result;
  for (const error of result.errors) {
    const where = error.file ? `${shown(resolve(dirname(file), error.file))}:${error.line ?? 0}: ` : "";
    ctx.report({
      message: `esbuild could not bundle the app: ${where}${error.text}`,
      found: entry,
      fix: "Fix the app's code, or install the package it imports",
    });
  }
  return undefined;
}

/**
 * gzip with a fixed header: Node leaves the time at zero, but zlib writes the
 * operating system it was built for (3 on Unix, 10 on Windows), which would
 * make the same app render differently on a Windows laptop and in CI.
 */
function gzip(code: string): Uint8Array {
  const data = gzipSync(code, { level: 9 });
  data[9] = 3;
  return data;
}

function toPath(fileName: string): string {
  return fileName.startsWith("file:") ? fileURLToPath(fileName) : fileName;
}
