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
import { createServer, request, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { operationOf } from "./_recording.js";

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
  let arrive!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding = true;

  const server = createServer(async (incoming, outgoing) => {
    const body = await read(incoming);
    const url = new URL(incoming.url ?? "/", target);
    const called = operationOf({ method: incoming.method ?? "GET", url: url.href, headers: incoming.headers, body: body.toString("utf8") });
    if (holding && called === operation) {
      holding = false;
      arrive();
      await released;
    }
    const forwarded = request(url, { method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forwarded.once("error", (error) => outgoing.destroy(error));
    forwarded.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    arrived,
    release,
    async close() {
      release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The whole body, as bytes: it is forwarded as it came. */
function read(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on("data", (chunk: Buffer) => chunks.push(chunk));
    message.once("end", () => resolve(Buffer.concat(chunks)));
    message.once("error", reject);
  });
}
