import { writeFileSync } from "node:fs";
import { ApplyError, type JournalEntry, type PreparedRun } from "@jiti/reconciler";
import type { Cli } from "../cli.js";
import { CliError } from "../cli-error.js";
import { findingsText } from "../show/findings.js";
import { hasChanges, planText, retainedText, type PlanTextOptions } from "../show/plan.js";
import { progress } from "../show/progress.js";
import { outputsText } from "../show/outputs.js";
import { confirm } from "./_confirm.js";

/** What `render` and `destroy` do differently as they confirm and apply. */
export interface ApplyFlow extends ApplyOptions {
  /** --yes: apply without asking. */
  yes: boolean | undefined;
  /** Why a run nobody can confirm (stdin is not a terminal, no --yes) is refused, and what to run instead. */
  refusal: { message: string; hint: string };
  /** Reads the stack and AWS and plans: called only once the run is not refused, so a refused run reads nothing. */
  prepare(): Promise<PreparedRun>;
  /** How the plan is shown. */
  planText: PlanTextOptions;
  /** The question to confirm, given the stack's name as shown. */
  question(stack: string): string;
  /** What is printed when the answer is no. */
  cancelled: string;
}

/**
 * The one way a command changes AWS: refuse a run that nobody can confirm,
 * show the plan, ask for a typed "yes" (unless --yes) when it changes
 * anything, and apply it. Resolves with the exit code: 1 when cancelled.
 */
export async function confirmAndApply(cli: Cli, flow: ApplyFlow): Promise<number> {
  const { ui } = cli;
  // Refuse before reading anything: a run that cannot be confirmed must
  // not hang on a question nobody sees, nor change AWS unasked.
  if (!flow.yes && !ui.interactive) throw new CliError(flow.refusal.message, flow.refusal.hint);
  // The journal file must be writable before anything is read or locked, not discovered unwritable after a change.
  if (flow.journal) {
    try {
      writeFileSync(flow.journal, "");
    } catch (error) {
      throw new CliError(
        `cannot write the journal to ${flow.journal}: ${(error as Error).message}`,
        "Pass --journal a file in a folder that exists and is writable",
      );
    }
  }
  const prepared = await flow.prepare();
  // The stack's lock, taken by prepare, is let go however this ends (apply lets go of it too).
  try {
    return await showConfirmApply(cli, flow, prepared);
  } finally {
    await prepared.release();
  }
}

async function showConfirmApply(cli: Cli, flow: ApplyFlow, prepared: PreparedRun): Promise<number> {
  const { ui } = cli;
  const { plan, warnings, waived } = prepared;
  ui.emit("plan", { plan, warnings, waived });
  ui.print(`${findingsText({ warnings, waived }, ui.out.c)}${planText(plan, ui.out.c, flow.planText)}`);
  const changes = hasChanges(plan);
  // Nothing to apply, unless the run shows outputs: applying the empty plan is what reads them.
  if (!changes && !flow.outputs) {
    ui.emit("result", { ok: true, summary: plan.summary });
    return 0;
  }
  if (changes && !flow.yes) {
    ui.print();
    // A signal while the question waits (a CI job cancelled, a kill from another terminal) ends the run,
    // but not before the stack's lock is let go: else it would stay until it lapses.
    const onSignal = (signal: NodeJS.Signals) => {
      ui.err.write(`\n${flow.cancelled}\n`);
      void prepared.release().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    let yes: boolean;
    try {
      yes = await confirm(ui, flow.question(ui.out.c.bold(plan.stack)));
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    if (!yes) {
      ui.print(flow.cancelled);
      ui.emit("result", { ok: false, cancelled: true });
      return 1;
    }
  }
  return applyChanges(cli, prepared, flow);
}

export interface ApplyOptions {
  command: "render" | "destroy";
  /** Whether the run ends by showing the stack's outputs (render's), else by the summary alone. */
  outputs: boolean;
  /** --journal: the file to write every applied change to. */
  journal: string | undefined;
}

/**
 * Runs a plan the user has seen and confirmed, showing progress, then the
 * outcome. Ctrl-C (or SIGTERM, what a cancelled CI job gets) stops new steps
 * from starting and lets those in flight end (a half-made resource is worse
 * than a finished one), then lets go of the lock; a second signal quits.
 * Resolves with the exit code; an ApplyError propagates to the error display.
 */
export async function applyChanges(cli: Cli, prepared: PreparedRun, options: ApplyOptions): Promise<number> {
  const { ui } = cli;
  const controller = new AbortController();
  let interrupted = false;
  let exitCode = 130;
  const onInterrupt = (signal: NodeJS.Signals) => {
    exitCode = signal === "SIGINT" ? 130 : 143;
    if (interrupted) process.exit(exitCode);
    interrupted = true;
    controller.abort(new Error(signal === "SIGINT" ? "interrupted by Ctrl-C" : `interrupted by ${signal}`));
    ui.err.write("\nStopping: no new steps will start; waiting for the ones in flight. Press Ctrl-C again to quit now.\n");
  };
  process.on("SIGINT", onInterrupt);
  process.on("SIGTERM", onInterrupt);
  const changes = hasChanges(prepared.plan);
  if (changes) ui.print();
  const shown = changes ? progress(ui) : undefined;
  const started = Date.now();
  const writeJournal = (journal: readonly JournalEntry[]) => {
    if (!options.journal) return;
    // One line per applied change: what a reviewer reads to see exactly what jiti did.
    try {
      writeFileSync(options.journal, journal.map((entry) => `${JSON.stringify(entry)}\n`).join(""));
    } catch (error) {
      ui.err.write(`warning: the journal could not be written to ${options.journal}: ${(error as Error).message}\n`);
    }
  };
  try {
    const outcome = await prepared.apply({ signal: controller.signal, ...(shown ? { onEvent: (e) => shown.event(e) } : {}) });
    shown?.stop();
    writeJournal(outcome.journal);
    cli.timings?.lap("apply");
    const { summary } = prepared.plan;
    const c = ui.out.c;
    if (changes) {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      ui.print(
        options.command === "destroy"
          ? `\n${c.green(c.bold("Destroy complete:"))} ${summary.delete} deleted (${seconds}s).`
          : `\n${c.green(c.bold("Apply complete:"))} ${summary.create} created, ${summary.update} updated, ${summary.replace} replaced, ${summary.delete} deleted (${seconds}s).`,
      );
    }
    const retained = retainedText(prepared.plan, c);
    if (retained) ui.print(`\n${retained}`);
    const expiry = prepared.plan.expiry;
    // An apply that changed nothing but the expiry says it did that much.
    if (!changes && expiry && expiry.renew > 0)
      ui.print(
        `\n${expiry.at === null ? "Expiry removed" : "Expiry renewed"} on ${expiry.renew} resource${expiry.renew === 1 ? "" : "s"}.`,
      );
    if (options.outputs) ui.print(outputsText(outcome.outputs, c));
    const kept = prepared.plan.actions.filter((a) => a.retain).map((a) => ({ id: a.id, type: a.type, path: a.path }));
    ui.emit("result", { ok: true, summary, outputs: outcome.outputs, ...(kept.length > 0 ? { retained: kept } : {}) });
    return 0;
  } catch (error) {
    shown?.stop();
    // A failed apply changed things too: its journal is the record of what.
    if (error instanceof ApplyError) writeJournal(error.result.journal);
    // main exits with an error's exitCode: 130 and 143 are the shell's codes for SIGINT and SIGTERM.
    if (interrupted && typeof error === "object" && error !== null) Object.assign(error, { exitCode });
    throw error;
  } finally {
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
  }
}
