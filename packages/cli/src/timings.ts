/**
 * Where a run's time goes (`--timings`, or JITI_TIMINGS=1): what bench/cli.ts
 * reports against the start-up target.
 */
export class Timings {
  readonly laps: Record<string, number> = {};
  // performance.now() counts from the start of the process, so the first lap
  // is Node's own start-up plus loading the CLI bundle.
  private last = 0;

  /** Ends a lap: the time since the previous one, recorded under `name`. */
  lap(name: string): void {
    const now = performance.now();
    this.laps[name] = (this.laps[name] ?? 0) + (now - this.last);
    this.last = now;
  }

  report(): TimingsReport {
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return {
      laps: Object.fromEntries(Object.entries(this.laps).map(([k, v]) => [k, round(v)])),
      totalMs: round(performance.now()),
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  }
}

export interface TimingsReport {
  /** Milliseconds by lap, in the order they ran. */
  laps: Record<string, number>;
  /** From the start of the process. */
  totalMs: number;
  /** Peak resident memory of the process. */
  maxRssMb: number;
}

export function formatTimings(report: TimingsReport): string {
  const laps = Object.entries(report.laps).map(([name, ms]) => `${name} ${Math.round(ms)} ms`);
  return `timings: ${laps.join(", ")}; total ${Math.round(report.totalMs)} ms, peak memory ${report.maxRssMb} MB`;
}
