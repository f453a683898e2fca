/**
 * A proxy on a free loopback port in front of an AWS endpoint (moto_server):
 * it adds latency to every call, logs each call with its timing, holds a call
 * until a test lets it go, and answers with the faults AWS and networks
 * produce: throttling and server errors in each protocol's own shape, a
 * connection reset before the request is forwarded, and a reply dropped after
 * it (the change was made; the client never heard).
 *
 *   const proxy = await startAwsProxy(moto.endpoint, { delayMs: 100 });
 *   proxy.inject({ operation: "CreateSubnet", fault: { kind: "drop-reply" } });
 *   proxy.random({ seed: 7, rate: 0.1 });
 *   const held = proxy.hold((call) => call.index === 12);   // the 13th call to arrive
 *   // point clients at proxy.endpoint (AWS_ENDPOINT_URL)
 *
 * No vitest imports: the benchmarks use it too.
 */
import { randomUUID } from "node:crypto";
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { operationOf, serviceOf } from "../moto/recording.js";

/** What the proxy does to one call instead of forwarding it faithfully. */
export type Fault =
  /** The service's throttling answer: EC2 `RequestLimitExceeded` (503), IAM and STS `Throttling` (400), SSM `ThrottlingException` (400). */
  | { kind: "throttle" }
  /** A server error: EC2 `InternalError` (500) or `Unavailable` (503); elsewhere `InternalFailure` (500) or `ServiceUnavailable` (503). */
  | { kind: "internal"; status?: 500 | 503 }
  /** The connection is reset before the request is forwarded: nothing happened. */
  | { kind: "reset" }
  /** The request is forwarded and answered, then the connection is reset: the change happened, the client never heard. */
  | { kind: "drop-reply" }
  /** Any AWS error, in the service's shape, without forwarding: `DependencyViolation`, `InvalidVpcID.NotFound`. */
  | { kind: "error"; code: string; status?: number; message?: string };

export type FaultKind = Fault["kind"];

/** A call as it arrives, before anything is done with it. */
export interface ArrivingCall {
  service: string;
  operation: string;
  /** Its place in the order calls arrived, from 0, since the proxy started or its calls were last cleared. */
  index: number;
}

/** One call the proxy saw. Times are milliseconds since the proxy started. */
export interface ProxyCall {
  /** Signing name from the credential scope: "ec2", "iam", "sts", "ssm". */
  service: string;
  operation: string;
  /** The request's body as text: a Query API call's form parameters (`RoleSessionName=…`), a JSON API call's document. */
  request: string;
  /** When the request had arrived whole. */
  startedAt: number;
  /** When the answer (or the reset) went out. */
  endedAt: number;
  /** The fault the proxy answered with, if any. */
  fault?: FaultKind;
  /** The HTTP status the client got; undefined when its connection was reset. */
  status?: number;
}

/** A fault for the calls that match, `times` times (after skipping the first `after` matches). */
export interface FaultRule {
  /** The operation ("CreateSubnet"), a pattern (/^Create/), or a test of the call. Any call when omitted. */
  operation?: string | RegExp | ((call: { service: string; operation: string }) => boolean);
  fault: Fault;
  /** @default 1 */
  times?: number;
  /** Matches to let through before the first fault. @default 0 */
  after?: number;
}

/** A rule once injected: how often it has fired so far. */
export interface Injected {
  readonly fired: number;
  /** Stops the rule firing again. */
  remove(): void;
}

/** Faults at random, reproducibly: each call, in arrival order, draws from a generator seeded with `seed`. */
export interface RandomFaults {
  seed: number;
  /** The share of calls that get a fault, 0 to 1. */
  rate: number;
  /** The faults to draw from, evenly. @default every kind but "error" */
  kinds?: readonly Exclude<FaultKind, "error">[];
  /** Which calls may get one. @default every call */
  calls?: (call: { service: string; operation: string }) => boolean;
}

export interface AwsProxyOptions {
  /** Latency added to every call before it is forwarded. @default 0 */
  delayMs?: number;
  random?: RandomFaults;
}

export interface AwsProxy {
  /** Where to point clients (AWS_ENDPOINT_URL) instead of the server itself. */
  endpoint: string;
  /** Every call so far, in the order they ended. */
  readonly calls: readonly ProxyCall[];
  /** Adds a fault rule; rules are tried in the order they were added, before random faults. */
  inject(rule: FaultRule): Injected;
  /** Sets (or, with undefined, stops) random faults. */
  random(faults: RandomFaults | undefined): void;
  /** Changes the latency added to every call. */
  delay(ms: number): void;
  /**
   * Holds the next call of `operation` (or the next that `which` accepts)
   * until released, which forwards it, or dropped, which resets its
   * connection without forwarding it (it never reached AWS); later calls pass.
   */
  hold(which: string | ((call: ArrivingCall) => boolean)): { arrived: Promise<ArrivingCall>; release(): void; drop(): void };
  /** Resolves once no call is in flight: none held, none waiting on the server. A call the client gave up on counts until the server has answered it. */
  idle(): Promise<void>;
  /** Forgets the calls logged so far, and starts counting arrivals from 0 again. */
  clearCalls(): void;
  /** Stops the proxy, releasing anything held. */
  close(): Promise<void>;
}

const ALL_RANDOM: readonly Exclude<FaultKind, "error">[] = ["throttle", "internal", "reset", "drop-reply"];

/** Starts a proxy on a free loopback port forwarding to `target`. */
export async function startAwsProxy(target: string, options: AwsProxyOptions = {}): Promise<AwsProxy> {
  const started = performance.now();
  const now = () => performance.now() - started;
  let delayMs = options.delayMs ?? 0;
  let random = options.random && seeded(options.random);
  const rules: Array<{ rule: FaultRule; seen: number; fired: number; removed: boolean }> = [];
  const holds: Array<{
    which: (call: ArrivingCall) => boolean;
    arrive: (call: ArrivingCall) => void;
    released: Promise<"forward" | "drop">;
    release: (how?: "forward" | "drop") => void;
  }> = [];
  const calls: ProxyCall[] = [];
  let arrivals = 0;
  let inFlight = 0;
  const idleWaiters: Array<() => void> = [];

  const faultFor = (call: { service: string; operation: string }): Fault | undefined => {
    for (const entry of rules) {
      if (entry.removed || !matches(entry.rule.operation, call)) continue;
      entry.seen++;
      if (entry.seen <= (entry.rule.after ?? 0) || entry.fired >= (entry.rule.times ?? 1)) continue;
      entry.fired++;
      return entry.rule.fault;
    }
    return random?.(call);
  };

  const server = createServer((incoming, outgoing) => {
    inFlight++;
    void handle(incoming, outgoing)
      .catch(() => incoming.socket.destroy())
      .finally(() => {
        if (--inFlight > 0) return;
        for (const resolve of idleWaiters.splice(0)) resolve();
      });
  });
  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const body = await readBody(incoming);
    const url = new URL(incoming.url ?? "/", target);
    const seen = { method: incoming.method ?? "GET", url: url.href, headers: incoming.headers, body: body.toString("utf8") };
    const call = { service: serviceOf(seen), operation: operationOf(seen) };
    const arriving: ArrivingCall = { ...call, index: arrivals++ };
    const startedAt = now();
    const log = (status: number | undefined, fault?: FaultKind) =>
      calls.push({
        ...call,
        request: seen.body,
        startedAt,
        endedAt: now(),
        ...(fault ? { fault } : {}),
        ...(status !== undefined ? { status } : {}),
      });

    const held = holds.findIndex((h) => h.which(arriving));
    if (held >= 0) {
      const [h] = holds.splice(held, 1);
      h!.arrive(arriving);
      if ((await h!.released) === "drop") {
        log(undefined, "reset");
        incoming.socket.destroy();
        return;
      }
    }
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const fault = faultFor(call);
    if (fault?.kind === "reset") {
      log(undefined, "reset");
      incoming.socket.destroy();
      return;
    }
    if (fault && fault.kind !== "drop-reply") {
      const answer = awsError(call.service, seen, fault);
      outgoing.writeHead(answer.status, answer.headers).end(answer.body);
      log(answer.status, fault.kind);
      return;
    }
    const answer = await forward(url, incoming, body);
    if (fault?.kind === "drop-reply") {
      log(undefined, "drop-reply");
      incoming.socket.destroy();
      return;
    }
    outgoing.writeHead(answer.status, answer.headers).end(answer.body);
    log(answer.status);
  };

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    inject(rule) {
      const entry = { rule, seen: 0, fired: 0, removed: false };
      rules.push(entry);
      return {
        get fired() {
          return entry.fired;
        },
        remove: () => void (entry.removed = true),
      };
    },
    random(faults) {
      random = faults && seeded(faults);
    },
    delay(ms) {
      delayMs = ms;
    },
    hold(which) {
      let arrive!: (call: ArrivingCall) => void;
      const arrived = new Promise<ArrivingCall>((resolve) => (arrive = resolve));
      let release!: (how?: "forward" | "drop") => void;
      const released = new Promise<"forward" | "drop">((resolve) => (release = (how = "forward") => resolve(how)));
      const entry = {
        which: typeof which === "string" ? (call: ArrivingCall) => call.operation === which : which,
        arrive,
        released,
        release,
      };
      holds.push(entry);
      const end = (how: "forward" | "drop") => {
        const at = holds.indexOf(entry);
        if (at >= 0) holds.splice(at, 1);
        release(how);
      };
      return { arrived, release: () => end("forward"), drop: () => end("drop") };
    },
    idle() {
      return inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    clearCalls() {
      calls.splice(0);
      arrivals = 0;
    },
    async close() {
      for (const h of holds.splice(0)) h.release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function matches(operation: FaultRule["operation"], call: { service: string; operation: string }): boolean {
  if (operation === undefined) return true;
  if (typeof operation === "string") return operation === call.operation;
  if (operation instanceof RegExp) return operation.test(call.operation);
  return operation(call);
}

/** A draw per call from a seeded generator (mulberry32): the same seed gives the same faults to the same sequence of calls. */
function seeded(faults: RandomFaults): (call: { service: string; operation: string }) => Fault | undefined {
  let state = faults.seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const kinds = faults.kinds ?? ALL_RANDOM;
  return (call) => {
    if (faults.calls && !faults.calls(call)) return undefined;
    const hit = next() < faults.rate;
    const kind = kinds[Math.floor(next() * kinds.length)]!;
    if (!hit) return undefined;
    if (kind === "internal") return { kind, status: next() < 0.5 ? 500 : 503 };
    return { kind } as Fault;
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

function forward(url: URL, incoming: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const out = request(url, { method: incoming.method, headers: incoming.headers }, (answer) => {
      readBody(answer).then((data) => resolve({ status: answer.statusCode ?? 502, headers: plainHeaders(answer), body: data }), reject);
    });
    out.once("error", reject);
    out.end(body);
  });
}

function plainHeaders(message: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(message.headers)) if (value !== undefined) out[key] = value;
  return out;
}

/**
 * An error answer as the service's protocol shapes it: EC2's query protocol
 * (`<Response><Errors><Error>`, `RequestID`), the query protocol of IAM and
 * STS (`<ErrorResponse>`, `RequestId`), or JSON 1.1 (`__type`, SSM).
 */
function awsError(
  service: string,
  request: { headers: IncomingMessage["headers"] },
  fault: Exclude<Fault, { kind: "reset" | "drop-reply" }>,
) {
  const requestId = randomUUID();
  const json = request.headers["x-amz-target"] !== undefined;
  const { code, status, message } = errorOf(service, json, fault);
  if (json) {
    return {
      status,
      headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId },
      body: Buffer.from(JSON.stringify({ __type: code, message })),
    };
  }
  const xml =
    service === "ec2"
      ? `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${escape(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
      : `<ErrorResponse><Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type><Code>${code}</Code><Message>${escape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status, headers: { "content-type": "text/xml", "x-amzn-requestid": requestId }, body: Buffer.from(xml) };
}

function errorOf(service: string, json: boolean, fault: Exclude<Fault, { kind: "reset" | "drop-reply" }>) {
  if (fault.kind === "error") return { code: fault.code, status: fault.status ?? 400, message: fault.message ?? `injected ${fault.code}` };
  if (fault.kind === "throttle") {
    if (service === "ec2") return { code: "RequestLimitExceeded", status: 503, message: "Request limit exceeded." };
    return { code: json ? "ThrottlingException" : "Throttling", status: 400, message: "Rate exceeded" };
  }
  const status = fault.status ?? 500;
  if (service === "ec2") {
    return status === 503
      ? { code: "Unavailable", status, message: "The server is overloaded and can't handle the request." }
      : { code: "InternalError", status, message: "An internal error has occurred." };
  }
  return status === 503
    ? { code: "ServiceUnavailable", status, message: "The request has failed due to a temporary failure of the server." }
    : { code: "InternalFailure", status, message: "The request processing has failed because of an unknown error." };
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The whole body, as bytes: it is forwarded as it came. */
function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on("data", (chunk: Buffer) => chunks.push(chunk));
    message.once("end", () => resolve(Buffer.concat(chunks)));
    message.once("error", reject);
  });
}
