import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, PG_SERVER_URL, type TestDatabase, viaAddress } from "./support/database.js";
import { authHeaders, deleteRedisKeys, REDIS_SERVER_URL, TEST_TOKEN } from "./support/service.js";
import { proxyTo, type TcpProxy } from "./support/tcp-proxy.js";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const KEY_PREFIX = "leadms-test-shutdown:";

interface Child {
  process: ChildProcess;
  url: string;
  output: () => string;
  exit: Promise<number | null>;
}

/** The real entry point in its own process, as Kubernetes runs it, so SIGTERM is a real signal. */
async function spawnService(databaseUrl: string, env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: {
      PATH: process.env.PATH,
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: databaseUrl,
      REDIS_URL: REDIS_SERVER_URL,
      REDIS_KEY_PREFIX: KEY_PREFIX,
      API_TOKEN: TEST_TOKEN,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exit = once(child, "exit").then(([code]) => code as number | null);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${output}`)), 20_000);
    child.stdout?.on("data", () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
  });
  return { process: child, url, output: () => output, exit };
}

let db: TestDatabase;
let proxy: TcpProxy;
let child: Child | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  if (child && child.process.exitCode === null) child.process.kill("SIGKILL");
  child = undefined;
  await proxy?.stop();
});
afterAll(async () => {
  await deleteRedisKeys(KEY_PREFIX);
  await db.drop();
});

describe("SIGTERM", () => {
  it("fails readiness at once, keeps serving through the delay, finishes 50 in-flight requests and exits 0", async () => {
    proxy = await proxyTo(PG_SERVER_URL).start();
    child = await spawnService(viaAddress(db.url, proxy.port), {
      SHUTDOWN_DELAY_MS: "1500",
      SHUTDOWN_TIMEOUT_MS: "20000",
      LEAD_CACHE_TTL_SECONDS: "0",
      HEALTH_CHECK_CACHE_MS: "0",
    });
    const { url } = child;
    const created = await fetch(`${url}/api/leads`, {
      method: "POST",
      headers: authHeaders(),
      body: JSON.stringify({ name: "Drain", email: "drain@example.com", source: "website" }),
    }).then((r) => r.json() as Promise<{ id: string }>);

    // Slow PostgreSQL down so that the reads are still in flight when the signal arrives.
    proxy.setDelay(100);
    const inFlight = Array.from({ length: 50 }, () =>
      fetch(`${url}/api/leads/${created.id}`, { headers: authHeaders() }).then(async (r) => ({
        status: r.status,
        id: ((await r.json()) as { id?: string }).id,
      })),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    child.process.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 100));

    const readyStarted = performance.now();
    const ready = await fetch(`${url}/health/ready`);
    expect(performance.now() - readyStarted).toBeLessThan(200);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "not ready", failed: { service: "shutting down" } });
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    expect((await fetch(`${url}/ping`)).status).toBe(200);

    const results = await Promise.all(inFlight);
    expect(results.filter((r) => r.status !== 200 || r.id !== created.id)).toEqual([]);
    expect(await child.exit).toBe(0);
    const log = child.output();
    expect(log).toContain('"msg":"shutdown started, readiness now failing"');
    expect(log).toContain('"msg":"shutdown complete"');
  });

  it("exits 1 when draining passes the hard deadline", async () => {
    proxy = await proxyTo(PG_SERVER_URL).start();
    child = await spawnService(viaAddress(db.url, proxy.port), {
      SHUTDOWN_DELAY_MS: "0",
      SHUTDOWN_TIMEOUT_MS: "1000",
      DATABASE_TIMEOUT_MS: "10000",
    });
    proxy.setMode("blackhole");
    const stuck = fetch(`${child.url}/api/leads`, { headers: authHeaders() }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    child.process.kill("SIGTERM");
    expect(await child.exit).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(child.output()).toContain('"msg":"shutdown deadline passed"');
    await stuck;
  });
});
