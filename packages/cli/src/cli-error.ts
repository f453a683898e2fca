/**
 * A mistake in how jiti was called (a missing file, a bad flag value): shown
 * as its message and hint, without a stack trace.
 */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    /** What to do about it, as a sentence. */
    readonly hint?: string,
  ) {
    super(message);
  }
}
