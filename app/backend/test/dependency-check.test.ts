import { describe, expect, it } from "vitest";
import { DependencyCheck } from "../src/health/dependency-check.js";

function counter(behaviour: (signal: AbortSignal) => Promise<void>) {
  const state = { calls: 0 };
  const probe = (signal: AbortSignal) => {
    state.calls += 1;
    return behaviour(signal);
  };
  return { state, probe };
}

const tick = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("DependencyCheck", () => {
  it("coalesces concurrent checks into one probe", async () => {
    const { state, probe } = counter(() => tick(20));
    const check = new DependencyCheck({ name: "db", critical: true, timeoutMs: 1000, cacheMs: 0, probe });
    const results = await Promise.all(Array.from({ length: 500 }, () => check.check()));
    expect(state.calls).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]?.up).toBe(true);
  });

  it("reuses a result within the cache interval and probes again after it", async () => {
    let now = 1_000;
    const { state, probe } = counter(async () => {});
    const check = new DependencyCheck({
      name: "db",
      critical: true,
      timeoutMs: 100,
      cacheMs: 2000,
      probe,
      now: () => now,
    });
    await check.check();
    now += 1999;
    await check.check();
    expect(state.calls).toBe(1);
    now += 1;
    await check.check();
    expect(state.calls).toBe(2);
  });

  it("answers within the timeout when the dependency hangs, and aborts the probe", async () => {
    let aborted = false;
    const { probe } = counter(
      (signal) =>
        new Promise<void>(() => {
          signal.addEventListener("abort", () => {
            aborted = true;
          });
        }),
    );
    const check = new DependencyCheck({ name: "db", critical: true, timeoutMs: 100, cacheMs: 0, probe });
    const started = performance.now();
    const result = await check.check();
    const elapsed = performance.now() - started;
    expect(result.up).toBe(false);
    expect(result.error).toBe("no answer within 100 ms");
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1000);
    expect(aborted).toBe(true);
  });

  it("reports the error of a failing probe and the latency", async () => {
    const { probe } = counter(async () => {
      await tick(10);
      throw new Error("connection refused");
    });
    const seen: boolean[] = [];
    const check = new DependencyCheck({
      name: "redis",
      critical: true,
      timeoutMs: 500,
      cacheMs: 0,
      probe,
      onResult: (r) => seen.push(r.up),
    });
    const result = await check.check();
    expect(result).toMatchObject({ name: "redis", up: false, error: "connection refused" });
    expect(result.latencyMs).toBeGreaterThanOrEqual(9);
    expect(seen).toEqual([false]);
  });
});
