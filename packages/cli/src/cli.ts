import type { RunOptions } from "@jiti/reconciler";
import { particleCatalogue } from "./load/index.js";
import type { Timings } from "./timings.js";
import type { Ui } from "./ui.js";
import { awsOptions, type AwsFlags } from "./options.js";

/** What every command is given: how to talk to the user, and the clock. */
export interface Cli {
  ui: Ui;
  /** Set with --timings or JITI_TIMINGS=1. */
  timings: Timings | undefined;
}

/** Options for the programmatic API: AWS settings from the flags, every particle kind, the clock. */
export async function runOptions(cli: Cli, flags: AwsFlags, extra: RunOptions = {}): Promise<RunOptions> {
  const options: RunOptions = { ...awsOptions(flags), particles: await particleCatalogue(), ...extra };
  if (cli.timings) {
    const timings = cli.timings;
    options.onPhase = (phase) => timings.lap(phase);
  }
  return options;
}
