import { describe, expect, test } from "vitest";
import { batchedRead } from "../src/aws/batch.js";
import { particleContext } from "./context.js";

/** A read that records the ids of each call and answers every id with its upper case. */
function recordingRead() {
  const calls: string[][] = [];
  const read = async (ids: string[]) => {
    calls.push([...ids].sort());
    return new Map(ids.map((id) => [id, id.toUpperCase()]));
  };
  return { calls, read };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("batchedRead", () => {
  test("reads asked for at about the same moment share one call, each answered with its own value", async () => {
    const ctx = particleContext();
    const { calls, read } = recordingRead();
    const values = await Promise.all(["a", "b", "a", "c"].map((id) => batchedRead(ctx, "thing", read)(id)));
    expect(values).toEqual(["A", "B", "A", "C"]);
    expect(calls).toEqual([["a", "b", "c"]]);
  });

  test("without an announced read, a read asked for later makes its own call", async () => {
    const ctx = particleContext();
    const { calls, read } = recordingRead();
    const first = batchedRead(ctx, "thing", read)("a");
    await pause(60);
    await Promise.all([first, batchedRead(ctx, "thing", read)("b")]);
    expect(calls).toEqual([["a"], ["b"]]);
  });

  test("an announced read holds the waiting ones while its write answers and until it joins them: one call", async () => {
    const ctx = particleContext();
    const { calls, read } = recordingRead();
    const reads = batchedRead(ctx, "thing", read);
    const answered = reads.expect();
    const first = reads("a");
    // The write takes its time, well beyond the window.
    await pause(150);
    answered("b");
    // Between the write's answer and the read (another step, scheduled later), still held.
    await pause(60);
    expect(calls).toEqual([]);
    await Promise.all([first, reads("b")]);
    expect(calls).toEqual([["a", "b"]]);
  });

  test("a read that was not announced does not stand in for one that was", async () => {
    const ctx = particleContext();
    const { calls, read } = recordingRead();
    const reads = batchedRead(ctx, "thing", read);
    const answered = reads.expect();
    answered("b");
    const first = reads("a");
    await pause(60);
    expect(calls).toEqual([]);
    await Promise.all([first, reads("b")]);
    expect(calls).toEqual([["a", "b"]]);
  });

  test("a write that failed lets the waiting reads go at once", async () => {
    const ctx = particleContext();
    const { calls, read } = recordingRead();
    const reads = batchedRead(ctx, "thing", read);
    const answered = reads.expect();
    const started = Date.now();
    const first = reads("a");
    await pause(50);
    answered();
    // A second answer changes nothing.
    answered("c");
    await first;
    expect(calls).toEqual([["a"]]);
    expect(Date.now() - started).toBeLessThan(1_000);
    // Nor is anything held afterwards.
    const later = Date.now();
    await reads("d");
    expect(Date.now() - later).toBeLessThan(1_000);
  });

  test("an announced read that never comes holds the others for a bounded time only, and then lapses", async () => {
    const ctx = particleContext();
    const { calls, read } = recordingRead();
    const reads = batchedRead(ctx, "thing", read);
    reads.expect()("never-read");
    const started = Date.now();
    await expect(reads("a")).resolves.toBe("A");
    const held = Date.now() - started;
    expect(calls).toEqual([["a"]]);
    expect(held).toBeGreaterThanOrEqual(1_900);
    expect(held).toBeLessThan(3_000);
    const later = Date.now();
    await reads("b");
    expect(Date.now() - later).toBeLessThan(1_000);
  });

  test("a failed call fails every read in it", async () => {
    const ctx = particleContext();
    const reads = batchedRead(ctx, "thing", async () => {
      throw Object.assign(new Error("slow down"), { name: "RequestLimitExceeded" });
    });
    const results = await Promise.allSettled([reads("a"), reads("b")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});
