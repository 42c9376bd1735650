import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, PG_SERVER_URL, type TestDatabase, viaAddress } from "./support/database.js";
import { authHeaders, REDIS_SERVER_URL, startTestService, type TestService } from "./support/service.js";
import { proxyTo, type TcpProxy } from "./support/tcp-proxy.js";
import { waitFor } from "./support/wait.js";

let db: TestDatabase;
let service: TestService | undefined;
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await service?.stop();
  service = undefined;
  await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
});
afterAll(async () => {
  await db.drop();
});

async function proxy(serverUrl: string): Promise<TcpProxy> {
  const started = await proxyTo(serverUrl).start();
  proxies.push(started);
  return started;
}

async function getJson(url: string): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  const response = await fetch(url);
  return { status: response.status, body: await response.json(), ms: performance.now() - started };
}

describe("probe endpoints", () => {
  it("answers /ping with pong and nothing else", async () => {
    service = await startTestService(db.url);
    const response = await fetch(`${service.url}/ping`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await response.text()).toBe("pong");
  });

  it("answers the same from the fast path and from the router, with a request id either way", async () => {
    service = await startTestService(db.url, { HEALTH_CHECK_CACHE_MS: "5000" });
    await fetch(`${service.url}/health/ready`);
    for (const path of ["/ping", "/health/live", "/health/ready"]) {
      // A query string takes the request past the fast path, through Fastify's route.
      const [fast, routed] = await Promise.all([
        fetch(`${service.url}${path}`),
        fetch(`${service.url}${path}?via=router`),
      ]);
      expect(fast.status).toBe(200);
      expect(routed.status).toBe(200);
      expect(await fast.text()).toBe(await routed.text());
      expect(fast.headers.get("content-type")).toBe(routed.headers.get("content-type"));
      expect(fast.headers.get("x-request-id")).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
      expect(routed.headers.get("x-request-id")).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    }
  });

  it("reports ready and healthy with every dependency up", async () => {
    service = await startTestService(db.url);
    const ready = await getJson(`${service.url}/health/ready`);
    expect(ready).toMatchObject({ status: 200, body: { status: "ready" } });
    await fetch(`${service.url}/api/leads/not-a-uuid`);
    const health = await getJson(`${service.url}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: "healthy",
      version: "0.1.0",
      shuttingDown: false,
      dependencies: {
        postgres: { status: "up", critical: true, error: null },
        redis: { status: "up", critical: true, error: null },
      },
      requests: { windowSeconds: 60, requestsPerMinute: 1, errorRate: 0 },
    });
    expect(health.body.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(health.body.dependencies.postgres.latencyMs).toBeGreaterThan(0);
    expect(health.body.requests.p95ResponseMs).toBeGreaterThan(0);
    expect(health.body.memory.rssBytes).toBeGreaterThan(10_000_000);
    expect(health.body.cpu.userSeconds).toBeGreaterThan(0);
  });
});

describe("a PostgreSQL outage", () => {
  it("fails readiness within the timeout, keeps liveness, and recovers", async () => {
    const pgProxy = await proxy(PG_SERVER_URL);
    service = await startTestService(viaAddress(db.url, pgProxy.port), { HEALTH_CHECK_TIMEOUT_MS: "500" });
    expect((await getJson(`${service.url}/health/ready`)).status).toBe(200);

    pgProxy.setMode("refuse");
    const ready = await getJson(`${service.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe("not ready");
    expect(Object.keys(ready.body.failed)).toEqual(["postgres"]);
    expect(ready.ms).toBeLessThan(1500);
    expect((await getJson(`${service.url}/health/live`)).status).toBe(200);
    const health = await getJson(`${service.url}/health`);
    expect(health.status).toBe(503);
    expect(health.body.status).toBe("unhealthy");
    expect(health.body.dependencies.postgres.status).toBe("down");
    expect(health.body.dependencies.redis.status).toBe("up");
    const api = await fetch(`${service.url}/api/leads`, { headers: authHeaders() });
    expect(api.status).toBe(503);
    expect(api.headers.get("retry-after")).toBe("5");
    expect(await api.json()).toMatchObject({ message: "a dependency is unavailable, retry later" });

    pgProxy.setMode("forward");
    await waitFor(async () => (await getJson(`${service?.url}/health/ready`)).status === 200, 10_000);
  });

  it("answers within the timeout when PostgreSQL hangs", async () => {
    const pgProxy = await proxy(PG_SERVER_URL);
    service = await startTestService(viaAddress(db.url, pgProxy.port), {
      HEALTH_CHECK_TIMEOUT_MS: "300",
      DATABASE_TIMEOUT_MS: "1000",
    });
    pgProxy.setMode("blackhole");
    const ready = await getJson(`${service.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body.failed.postgres).toMatch(/timeout|no answer within 300 ms/i);
    expect(ready.ms).toBeLessThan(1300);
    expect((await getJson(`${service.url}/health/live`)).status).toBe(200);
  });
});

describe("a Redis outage", () => {
  it("fails readiness, keeps liveness, and recovers when Redis returns", async () => {
    const redisProxy = await proxy(REDIS_SERVER_URL);
    service = await startTestService(db.url, { REDIS_URL: viaAddress(REDIS_SERVER_URL, redisProxy.port) });
    expect((await getJson(`${service.url}/health/ready`)).status).toBe(200);

    redisProxy.setMode("refuse");
    const ready = await getJson(`${service.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(Object.keys(ready.body.failed)).toEqual(["redis"]);
    expect(ready.ms).toBeLessThan(1500);
    expect((await getJson(`${service.url}/health/live`)).status).toBe(200);

    redisProxy.setMode("forward");
    await waitFor(async () => (await getJson(`${service?.url}/health/ready`)).status === 200, 10_000);
  });
});

describe("probe coalescing", () => {
  it("costs at most one query per dependency per interval for a burst of 500 probes", async () => {
    service = await startTestService(db.url, { HEALTH_CHECK_CACHE_MS: "5000" });
    const checks = service.service.app.checks;
    const before = checks.map((check) => check.probesSent);
    const statuses = await Promise.all(
      Array.from({ length: 500 }, () => fetch(`${service?.url}/health/ready`).then((r) => r.status)),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
    const sent = checks.map((check, i) => check.probesSent - (before[i] as number));
    expect(checks.map((check) => check.name)).toEqual(["postgres", "redis"]);
    expect(sent).toEqual([1, 1]);
  });
});

describe("Elasticsearch, when configured", () => {
  it("makes the report degraded, not unhealthy, when unreachable; readiness is unaffected", async () => {
    const closed = await proxy("http://127.0.0.1:1");
    closed.setMode("refuse");
    service = await startTestService(db.url, { ELASTICSEARCH_URL: `http://127.0.0.1:${closed.port}` });
    const health = await getJson(`${service.url}/health`);
    expect(health.status).toBe(200);
    expect(health.body.status).toBe("degraded");
    expect(health.body.dependencies.elasticsearch).toMatchObject({ status: "down", critical: false });
    expect((await getJson(`${service.url}/health/ready`)).status).toBe(200);
  });

  it("is up when the cluster health API answers green, sending configured credentials", async () => {
    // A stand-in answering Elasticsearch's cluster health API: no Elasticsearch server runs here.
    let authorization: string | undefined;
    const es = http.createServer((request, response) => {
      authorization = request.headers.authorization;
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ status: request.url === "/prefix/_cluster/health" ? "green" : "red" }));
    });
    await new Promise<void>((resolve) => es.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = es.address() as AddressInfo;
      service = await startTestService(db.url, {
        ELASTICSEARCH_URL: `http://elastic:pa%40ss@127.0.0.1:${port}/prefix/`,
      });
      const health = await getJson(`${service.url}/health`);
      expect(health.body.status).toBe("healthy");
      expect(health.body.dependencies.elasticsearch.status).toBe("up");
      expect(authorization).toBe(`Basic ${Buffer.from("elastic:pa@ss").toString("base64")}`);
    } finally {
      es.close();
    }
  });
});
