import { lockHolder, unlock } from "@jiti/reconciler";
import { runOptions } from "../cli.js";
import { CliError } from "../cli-error.js";
import { defineJitiCommand } from "../command.js";
import { stackLock, stackName } from "../load/index.js";
import { awsArgs, outputArgs, stackArgs } from "../options.js";
import { confirm } from "./_confirm.js";

export const unlockCommand = defineJitiCommand({
  meta: { name: "unlock", description: "Release the stack's lock, left by a run that is gone" },
  args: {
    ...stackArgs,
    stack: { type: "string", valueHint: "name", description: "The stack whose lock to release, by name (stack.tsx is then not read)" },
    yes: { type: "boolean", alias: "y", description: "Release without asking (needed when stdin is not a terminal)" },
    ...awsArgs,
    ...outputArgs,
  },
  async run(cli, flags) {
    const { ui } = cli;
    if (!flags.yes && !ui.interactive) {
      throw new CliError(
        "jiti unlock releases a lock another run may still hold, and asks first, but stdin is not a terminal, so nobody can answer",
        "Check who holds it with `jiti unlock` in a terminal, or run `jiti unlock --yes`",
      );
    }
    const stack = await stackName(cli, flags, "unlock");
    const options = { ...(await runOptions(cli, flags)), lock: await stackLock() };
    const holder = await lockHolder(stack, options);
    if (!holder) {
      ui.print(`Stack ${ui.out.c.bold(stack)} is not locked.`);
      ui.emit("result", { ok: true, locked: false });
      return 0;
    }
    const who = holder.identity ? `${holder.identity} on ${holder.host}` : holder.host;
    ui.print(
      [
        `Stack ${ui.out.c.bold(stack)} is locked by \`jiti ${holder.command}\` (${who}, pid ${holder.pid}) since ${holder.since}.`,
        `Its last heartbeat was at ${holder.heartbeat}; without another it lapses at ${holder.expires}.`,
        ui.out.c.yellow("If that run is still going, releasing its lock lets another apply run beside it, which can duplicate resources."),
      ].join("\n"),
    );
    ui.emit("lock", { stack, holder });
    if (!flags.yes) {
      ui.print();
      if (!(await confirm(ui, `Release the lock of stack ${ui.out.c.bold(stack)}?`))) {
        ui.print("Cancelled: the lock stays.");
        ui.emit("result", { ok: false, cancelled: true });
        return 1;
      }
    }
    await unlock(stack, options);
    ui.print(`Released the lock of stack ${ui.out.c.bold(stack)}.`);
    ui.emit("result", { ok: true, released: true });
    return 0;
  },
});
