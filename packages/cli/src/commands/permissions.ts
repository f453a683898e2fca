import { deployPolicy, renderStack } from "@jiti/reconciler";
import { defineJitiCommand } from "../command.js";
import { loadedStack, particleCatalogue, stackLock } from "../load/index.js";
import { outputArgs, stackArgs } from "../options.js";

export const permissionsCommand = defineJitiCommand({
  meta: { name: "permissions", description: "Print the least-privilege IAM policy a role needs to deploy the stack (no AWS calls)" },
  args: {
    ...stackArgs,
    "plan-only": { type: "boolean", description: "Only what `jiti plan` needs: the read-only policy" },
    region: { type: "string", valueHint: "region", description: "Name this region in the ARNs (default: any, *)" },
    account: { type: "string", valueHint: "id", description: "Name this account in the ARNs (default: any, *)" },
    ...outputArgs,
  },
  async run(cli, flags) {
    const { element, options } = await loadedStack(cli, flags);
    const { tree } = renderStack(element, options);
    const lock = await stackLock();
    const { policy, notes } = deployPolicy(tree, await particleCatalogue(), {
      planOnly: flags["plan-only"] === true,
      ...(flags.region ? { region: flags.region } : {}),
      ...(flags.account ? { account: flags.account } : {}),
      extra: lock.permissions ?? [],
    });
    cli.timings?.lap("render");
    cli.ui.emit("permissions", { stack: tree.stack, policy, notes });
    // The document alone on stdout, so that `jiti permissions > policy.json` is the policy; why each wide statement is no narrower goes to stderr.
    if (!cli.ui.json) {
      cli.ui.out.write(`${JSON.stringify(policy, null, 2)}\n`);
      for (const [sid, why] of Object.entries(notes)) cli.ui.err.write(`${cli.ui.err.c.dim(`${sid}: ${why}`)}\n`);
    }
    return 0;
  },
});
