import { prepareApply, type RunOptions } from "@jiti/reconciler";
import { runOptions } from "../cli.js";
import { defineJitiCommand } from "../command.js";
import { runTargets, targetsArgs } from "./_targets.js";
import { loadedStack, shownFile, stackLock } from "../load/index.js";
import { startEmulator, type Emulator } from "../emulator.js";
import {
  applyArgs,
  awsArgs,
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  outputArgs,
  refreshArgs,
  refreshOptions,
  stackArgs,
} from "../options.js";
import { confirmAndApply } from "./_apply.js";

export const renderCommand = defineJitiCommand({
  meta: { name: "render", description: "Make live AWS match stack.tsx: plan, confirm, apply" },
  args: {
    ...stackArgs,
    yes: { type: "boolean", alias: "y", description: "Apply without asking (needed when stdin is not a terminal)" },
    local: { type: "boolean", description: "Run against a temporary local AWS emulator (moto_server); nothing persists" },
    ...refreshArgs,
    ...awsArgs,
    ...applyArgs,
    ...targetsArgs,
    ...outputArgs,
  },
  async run(cli, flags) {
    if (flags.targets !== undefined) return runTargets(cli, "render", flags);
    const { ui } = cli;
    let emulator: Emulator | undefined;
    try {
      return await confirmAndApply(cli, {
        command: "render",
        outputs: true,
        yes: flags.yes,
        journal: flags.journal,
        refusal: {
          message: "jiti render changes AWS and asks first, but stdin is not a terminal, so nobody can answer",
          hint: "Review the changes with `jiti plan`, then run `jiti render --yes`",
        },
        async prepare() {
          const { element, options } = await loadedStack(cli, flags);
          let local: RunOptions = {};
          if (flags.local) {
            emulator = await startEmulator();
            local = { endpoint: emulator.endpoint, credentials: { ...EMULATOR_CREDENTIALS }, region: EMULATOR_REGION };
            ui.print(ui.out.c.cyan(`Using a temporary local AWS emulator at ${emulator.endpoint}: nothing will persist after this run.\n`));
            ui.emit("local", { endpoint: emulator.endpoint, persistent: false });
          }
          return prepareApply(element, {
            ...(await runOptions(cli, flags, local)),
            ...options,
            ...refreshOptions(flags),
            lock: await stackLock(),
            command: "render",
          });
        },
        planText: { source: shownFile(flags) },
        question: (stack) => `Apply these changes to stack ${stack}?`,
        cancelled: "Cancelled: nothing was changed.",
      });
    } finally {
      if (emulator) {
        await emulator.stop();
        ui.print(ui.out.c.dim("\nThe local emulator has stopped; everything it held is gone."));
      }
    }
  },
});
