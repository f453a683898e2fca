/**
 * Counts the commands an SDK client sends, and keeps what each was sent
 * with: a test's own client, or a particle's, reached through the run's
 * context. For clients the test cannot reach, count on the server instead
 * with `useMoto().calls()`, which also sees retries.
 */
import { randomUUID } from "node:crypto";

export interface CallCounter {
  /** Operations in the order they were sent ("CreateVpc"), one per `send`; retries are not counted. */
  readonly operations: readonly string[];
  /** How many times `operation` was sent; every operation when omitted. */
  count(operation?: string): number;
  /** What each `operation` was sent with (the command's input), in order. */
  inputs(operation: string): readonly unknown[];
  /** Forgets what was counted so far. */
  clear(): void;
  /** Takes the counting middleware off the client. */
  detach(): void;
}

/**
 * Any SDK v3 client. `add` is left untyped here because the SDK overloads it
 * per middleware step with the client's own input and output types.
 */
export interface MiddlewareClient {
  middlewareStack: { add(...args: never[]): void; remove(name: string): boolean };
}

/** The one `add` overload `countCalls` uses: an initialize-step middleware. */
interface InitializeStack {
  add(middleware: (next: Handler, context: { commandName?: string }) => Handler, options: { step: "initialize"; name: string }): void;
}
type Handler = (args: { input: unknown }) => Promise<unknown>;

/** Adds a middleware to `client` that records every command sent through it. */
export function countCalls(client: MiddlewareClient): CallCounter {
  const sent: Array<{ operation: string; input: unknown }> = [];
  const operations: string[] = [];
  // Middleware names must be unique within a client's stack.
  const name = `countCalls-${randomUUID()}`;
  (client.middlewareStack as unknown as InitializeStack).add(
    (next, context) => async (args) => {
      // "DescribeVpcsCommand" → "DescribeVpcs", the name moto's recorder and the AWS docs use.
      const operation = (context.commandName ?? "unknown").replace(/Command$/, "");
      operations.push(operation);
      sent.push({ operation, input: args.input });
      return next(args);
    },
    // Initialize runs once per `send`, before the retry loop.
    { step: "initialize", name },
  );
  return {
    operations,
    count: (operation) => (operation === undefined ? operations.length : operations.filter((o) => o === operation).length),
    inputs: (operation) => sent.filter((s) => s.operation === operation).map((s) => s.input),
    clear: () => {
      operations.splice(0);
      sent.splice(0);
    },
    detach: () => void client.middlewareStack.remove(name),
  };
}
