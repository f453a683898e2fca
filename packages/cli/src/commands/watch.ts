import { dirname, relative, resolve } from "node:path";
import { plan, prepareApply, type PlanResult, type RunOptions } from "@jiti/reconciler";
import { runOptions } from "../cli.js";
import { CliError } from "../cli-error.js";
import { defineJitiCommand } from "../command.js";
import { startEmulator, type Emulator } from "../emulator.js";
import { loadedStack, stackFile, stackLock } from "../load/index.js";
import {
  awsArgs,
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  isLoopback,
  outputArgs,
  refreshArgs,
  refreshOptions,
  stackArgs,
} from "../options.js";
import { showError } from "../show/errors.js";
import { findingsText } from "../show/findings.js";
import { hasChanges, planText } from "../show/plan.js";
import { applyChanges } from "./_apply.js";
import { watchTree } from "./_watch-tree.js";

/** What a stack and the app it bundles are made of: a save of anything else (a log, a drawing of the graph) plans nothing. */
const SOURCES = /\.(tsx?|jsx?|[cm][jt]s|json)$/;
/** How long saves are gathered into one re-plan: an editor's save is often several writes. */
const SETTLE_MS = 150;

export const watchCommand = defineJitiCommand({
  meta: { name: "watch", description: "Plan again on every save of stack.tsx or what it imports; --apply applies each plan" },
  args: {
    ...stackArgs,
    apply: { type: "boolean", description: "Apply each plan as it comes: against a local emulator, or with --yes" },
    yes: { type: "boolean", alias: "y", description: "With --apply: apply to AWS itself, without asking, on every save" },
    local: { type: "boolean", description: "Run against a local AWS emulator (moto_server) kept for the whole watch" },
    ...refreshArgs,
    ...awsArgs,
    ...outputArgs,
  },
  async run(cli, flags) {
    const { ui } = cli;
    const c = ui.out.c;
    const endpoint = flags.endpoint ?? process.env.AWS_ENDPOINT_URL;
    if (flags.apply && !flags.yes && !flags.local && !(endpoint && isLoopback(endpoint))) {
      throw new CliError(
        "jiti watch --apply changes AWS on every save without asking: it runs so against a local emulator only",
        "Add --local (or point --endpoint at an emulator on this machine); to apply to AWS itself on every save, add --yes",
      );
    }
    const file = resolve(stackFile(flags));
    const root = dirname(file);
    let emulator: Emulator | undefined;
    let watcher: { close(): void } | undefined;
    try {
      let local: RunOptions = {};
      if (flags.local) {
        emulator = await startEmulator();
        local = { endpoint: emulator.endpoint, credentials: { ...EMULATOR_CREDENTIALS }, region: EMULATOR_REGION };
        ui.print(c.cyan(`Using a local AWS emulator at ${emulator.endpoint} for this watch: nothing persists after it.`));
      }
      const options = await runOptions(cli, flags, local);
      let changed: string[] = [];
      let running: Promise<void> | undefined;
      let timer: NodeJS.Timeout | undefined;

      // One cycle: load and plan (and apply), showing what it finds; a problem waits for the next save.
      const cycle = async () => {
        const why = changed;
        changed = [];
        if (ui.out.isTTY && !ui.json) ui.out.write("\x1b[2J\x1b[3J\x1b[H");
        const when = new Date().toTimeString().slice(0, 8);
        ui.print(c.dim(`[${when}] ${why.length === 0 ? "watching" : `changed: ${why.join(", ")}`}`));
        ui.emit("cycle", { changed: why });
        try {
          const { element, options: stackOptions } = await loadedStack(cli, flags);
          const run = { ...options, ...stackOptions, ...refreshOptions(flags) };
          const show = ({ plan: planned, warnings, waived }: PlanResult) => {
            ui.emit("plan", { plan: planned, warnings, waived });
            ui.print(`${findingsText({ warnings, waived }, c)}${planText(planned, c, { source: relative(process.cwd(), file) })}`);
          };
          if (!flags.apply) show(await plan(element, run));
          else {
            const prepared = await prepareApply(element, { ...run, lock: await stackLock(), command: "watch" });
            try {
              show(prepared);
              if (hasChanges(prepared.plan) || prepared.plan.expiry)
                await applyChanges(cli, prepared, { command: "render", outputs: false, journal: undefined });
            } finally {
              await prepared.release();
            }
          }
        } catch (error) {
          const shown = showError(error, c, { command: "watch", debug: ui.debug });
          ui.print(shown.text);
          ui.emit("error", shown.json);
        }
        ui.print(c.dim("\nWaiting for a change (Ctrl-C to stop)…"));
      };
      const schedule = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          // A save during a cycle is planned once that cycle ends: one cycle at a time.
          running = (running ?? Promise.resolve()).then(cycle);
        }, SETTLE_MS);
      };

      running = cycle();
      // The sources in the stack's folder and below it: its imports, the app <NodeApp> bundles, jiti.config.ts.
      watcher = watchTree(root, (name) => {
        if (!SOURCES.test(name)) return;
        if (!changed.includes(name)) changed.push(name);
        schedule();
      });
      await new Promise<void>((done) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          done();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      watcher.close();
      clearTimeout(timer);
      // The cycle under way ends first (an apply stops starting steps at the same signal).
      await running;
      ui.print(c.dim("Stopped watching."));
      return 0;
    } finally {
      watcher?.close();
      if (emulator) await emulator.stop();
    }
  },
});
