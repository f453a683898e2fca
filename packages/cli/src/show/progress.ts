import type { ApplyEvent } from "@jiti/reconciler";
import type { Stream, Ui } from "../ui.js";

export interface Progress {
  event(e: ApplyEvent): void;
  /** Stops redrawing; leaves finished lines on screen. */
  stop(): void;
}

/**
 * How an apply's progress is shown: JSON lines with `--json`; on a terminal
 * one live line per step in flight, redrawn in place; otherwise (CI logs,
 * pipes) one plain line per event.
 */
export function progress(ui: Ui): Progress {
  const started = Date.now();
  if (ui.json) {
    return { event: (e) => ui.emit("event", { ...e, atMs: Date.now() - started }), stop() {} };
  }
  return ui.out.isTTY ? liveProgress(ui.out, started) : plainProgress(ui.out, started);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const target = (e: ApplyEvent) => e.path || e.key;

/** `[12.3s] Vpc:main  create  done  vpc-0abc (1.2s)` */
export function plainLine(e: ApplyEvent, atMs: number): string {
  return `[${seconds(atMs)}] ${target(e)}  ${e.step}  ${detail(e)}`;
}

function detail(e: ApplyEvent): string {
  switch (e.event) {
    case "start":
      return `start${e.id ? `  ${e.id}` : ""}`;
    case "wait":
      return e.message ?? "waiting";
    case "done":
      return `done${e.id ? `  ${e.id}` : ""}${e.elapsedMs !== undefined ? ` (${seconds(e.elapsedMs)})` : ""}`;
    case "failed":
      // The error display after the run shows the whole message.
      return `failed  ${e.error?.code ? `${e.error.code}: ` : ""}${shorten(e.error?.message ?? "unknown error", 200)}${e.elapsedMs !== undefined ? ` (${seconds(e.elapsedMs)})` : ""}`;
    case "skipped":
      return `skipped  ${e.message ?? ""}`.trimEnd();
  }
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One line per event; a configure's start is left out: it starts as its create is done, the line above. */
function plainProgress(out: Stream, started: number): Progress {
  return {
    event: (e) => {
      if (e.step === "configure" && e.event === "start") return;
      out.write(`${plainLine(e, Date.now() - started)}\n`);
    },
    stop() {},
  };
}

interface Running {
  e: ApplyEvent;
  since: number;
  message: string | undefined;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * Steps in flight stay at the bottom, one line each, redrawn every 100 ms
 * with their elapsed time and what they wait for; a step that ends is
 * printed once above them, for good. Lines are cut to the terminal width,
 * so the cursor arithmetic holds (a wrapped line would count twice).
 */
function liveProgress(out: Stream, started: number): Progress {
  const { c } = out;
  const running = new Map<string, Running>();
  let drawn = 0;
  let frame = 0;

  const fit = (line: string) => {
    const width = Math.max(20, out.columns - 1);
    // Colour codes take no room on screen: cut by visible characters.
    return visibleLength(line) > width ? cut(line, width - 1) + "…" : line;
  };
  const redraw = (finished: string[] = []) => {
    let text = drawn > 0 ? `\x1b[${drawn}F\x1b[0J` : "";
    for (const line of finished) text += `${line}\n`;
    const now = Date.now();
    const spin = c.cyan(SPINNER[frame++ % SPINNER.length]!);
    const lines = [...running.values()].map((r) =>
      fit(`  ${spin} ${c.bold(target(r.e))}  ${r.e.step}  ${c.dim(seconds(now - r.since))}${r.message ? `  ${r.message}` : ""}`),
    );
    for (const line of lines) text += `${line}\n`;
    drawn = lines.length;
    out.write(text);
  };
  const timer = setInterval(() => redraw(), 100);
  timer.unref();

  return {
    event(e) {
      const id = `${e.step} ${e.key}`;
      if (e.event === "start") {
        running.set(id, { e, since: Date.now(), message: undefined });
        return redraw();
      }
      if (e.event === "wait") {
        const r = running.get(id);
        if (r) r.message = e.message;
        return redraw();
      }
      running.delete(id);
      const mark = e.event === "done" ? c.green("✓") : e.event === "failed" ? c.red("✗") : c.yellow("○");
      const at = c.dim(`[${seconds(Date.now() - started)}]`);
      const text = e.event === "failed" ? c.red(detail(e)) : e.event === "skipped" ? c.yellow(detail(e)) : detail(e);
      redraw([`  ${mark} ${at} ${c.bold(target(e))}  ${e.step}  ${text}`]);
    },
    stop() {
      clearInterval(timer);
      running.clear();
      redraw();
    },
  };
}

const ANSI = /\x1b\[[0-9;]*m/g;

function visibleLength(text: string): number {
  return [...text.replace(ANSI, "")].length;
}

/** The first `width` visible characters of `text`, colour codes kept, colour reset at the end. */
function cut(text: string, width: number): string {
  let out = "";
  let shown = 0;
  for (let i = 0; i < text.length && shown < width;) {
    const m = /^\x1b\[[0-9;]*m/.exec(text.slice(i));
    if (m) {
      out += m[0];
      i += m[0].length;
      continue;
    }
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    out += ch;
    i += ch.length;
    shown++;
  }
  return text.includes("\x1b[") ? `${out}\x1b[0m` : out;
}
