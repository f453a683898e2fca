import { defineJitiCommand } from "../command.js";
import { startEmulator } from "../emulator.js";
import { outputArgs } from "../options.js";

export const localCommand = defineJitiCommand({
  meta: { name: "local", description: "Run a local AWS emulator (moto_server) until Ctrl-C, to try jiti without an account" },
  args: { ...outputArgs },
  async run(cli) {
    const { ui } = cli;
    // Listen before anything is printed: a Ctrl-C that comes before the
    // listener would end jiti at once and leave the emulator running.
    const interrupted = new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    const emulator = await startEmulator();
    const c = ui.out.c;
    const exports = Object.entries(emulator.env).map(([k, v]) => `export ${k}=${v}`);
    ui.emit("local", { endpoint: emulator.endpoint, pid: emulator.pid, env: emulator.env });
    ui.print(
      [
        `A local AWS emulator (moto_server, pid ${emulator.pid}) is running at ${c.bold(emulator.endpoint)}.`,
        "It keeps everything in memory: nothing persists after it stops.",
        "",
        "In another terminal, point jiti (and the AWS CLI) at it:",
        "",
        ...exports.map((line) => `  ${line}`),
        "",
        "then run `jiti plan`, `jiti render`, `jiti ls`, `jiti destroy`.",
        c.dim("Press Ctrl-C to stop the emulator."),
      ].join("\n"),
    );
    await interrupted;
    await emulator.stop();
    ui.print("\nStopped the emulator.");
    ui.emit("stopped", { endpoint: emulator.endpoint });
    return 0;
  },
});
