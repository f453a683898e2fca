import pc from "picocolors";

export type Colors = ReturnType<typeof pc.createColors>;

/** One output stream, with colour when it suits that stream. */
export interface Stream {
  write(text: string): void;
  readonly c: Colors;
  /** Whether `c` colours (else its functions return text as is). */
  readonly color: boolean;
  readonly isTTY: boolean;
  /** Terminal width, for lines that must not wrap (the live progress). */
  readonly columns: number;
}

/**
 * How the CLI talks to the user. Human text goes to stdout, errors to stderr.
 * With `--json`, stdout carries only JSON lines (each with a `kind`), and
 * errors are also written there as one `{"kind":"error"}` line.
 */
export interface Ui {
  readonly json: boolean;
  readonly debug: boolean;
  readonly out: Stream;
  readonly err: Stream;
  /** Whether a person can answer a question (stdin is a terminal). */
  readonly interactive: boolean;
  /** Human text for stdout; nothing in JSON mode. */
  print(text?: string): void;
  /** One JSON line on stdout; nothing in human mode. */
  emit(kind: string, value: object): void;
}

export interface UiOptions {
  json?: boolean;
  debug?: boolean;
  /** false with --no-color. */
  color?: boolean;
}

export function createUi(options: UiOptions = {}): Ui {
  const json = options.json === true;
  const out = stream(process.stdout, options.color !== false);
  const err = stream(process.stderr, options.color !== false);
  return {
    json,
    debug: options.debug === true,
    out,
    err,
    interactive: process.stdin.isTTY === true,
    print(text = "") {
      if (!json) out.write(`${text}\n`);
    },
    emit(kind, value) {
      if (json) out.write(`${JSON.stringify({ kind, ...value })}\n`);
    },
  };
}

function stream(s: NodeJS.WriteStream, allowed: boolean): Stream {
  const isTTY = s.isTTY === true;
  const color = allowed && colorWanted(isTTY);
  return {
    write: (text) => void s.write(text),
    c: pc.createColors(color),
    color,
    isTTY,
    get columns() {
      return s.columns || 80;
    },
  };
}

/** https://no-color.org: NO_COLOR set and not empty turns colour off; FORCE_COLOR turns it on. */
function colorWanted(isTTY: boolean): boolean {
  const env = process.env;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  return isTTY && env.TERM !== "dumb";
}
