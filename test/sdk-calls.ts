/**
 * Counts the commands a test's own SDK client sends. For clients the test
 * cannot reach (those a particle builds), count on the server instead with
 * `useMoto().calls()`, which also sees retries.
 */
import { randomUUID } from "node:crypto";

export interface CallCounter {
  /** Operations in the order they were sent ("CreateVpc"), one per `send`; retries are not counted. */
  readonly operations: readonly string[];
  /** How many times `operation` was sent; every operation when omitted. */
  count(operation?: string): number;
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
type Handler = (args: unknown) => Promise<unknown>;

/** Adds a middleware to `client` that records every command sent through it. */
export function countCalls(client: MiddlewareClient): CallCounter {
  const operations: string[] = [];
  // Middleware names must be unique within a client's stack.
  const name = `countCalls-${randomUUID()}`;
  (client.middlewareStack as unknown as InitializeStack).add(
    (next, context) => async (args) => {
      // "DescribeVpcsCommand" → "DescribeVpcs", the name moto's recorder and the AWS docs use.
      operations.push((context.commandName ?? "unknown").replace(/Command$/, ""));
      return next(args);
    },
    // Initialize runs once per `send`, before the retry loop.
    { step: "initialize", name },
  );
  return {
    operations,
    count: (operation) => (operation === undefined ? operations.length : operations.filter((o) => o === operation).length),
    clear: () => void operations.splice(0),
    detach: () => void client.middlewareStack.remove(name),
  };
}
