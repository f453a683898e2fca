/**
 * A proxy in front of an AWS endpoint that holds one call until the test lets
 * it go, for what must happen while a call is in flight (Ctrl-C during an
 * apply): the run is really waiting on AWS, and nothing depends on timing.
 *
 *   const held = await holdCall(moto.endpoint, "CreateVpc");
 *   const run = startJiti(stack, ["render", "--yes"], { env: { AWS_ENDPOINT_URL: held.endpoint } });
 *   await held.arrived;     // CreateVpc is in flight
 *   …
 *   held.release();         // now it reaches moto
 *
 * No vitest imports: plain HTTP.
 */
import { startAwsProxy } from "../proxy/aws-proxy.js";

export interface HeldCall {
  /** Where to point clients (AWS_ENDPOINT_URL) instead of the server itself. */
  endpoint: string;
  /** Resolves once the first request for the operation has arrived; it is held until release(). */
  arrived: Promise<void>;
  /** Lets the held request (and any later one for the operation) through. */
  release(): void;
  /** Stops the proxy; releases the request if it is still held. */
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port forwarding to `target`, holding the first `operation` ("CreateVpc"). */
export async function holdCall(target: string, operation: string): Promise<HeldCall> {
  const proxy = await startAwsProxy(target);
  const held = proxy.hold(operation);
  return { endpoint: proxy.endpoint, arrived: held.arrived.then(() => undefined), release: held.release, close: () => proxy.close() };
}
