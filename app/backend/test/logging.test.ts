import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.js";
import { createTestDatabase, PG_SERVER_URL, type TestDatabase, viaAddress } from "./support/database.js";
import {
  authHeaders,
  LogCapture,
  startTestService,
  TEST_TOKEN,
  type TestService,
} from "./support/service.js";
import { proxyTo, type TcpProxy } from "./support/tcp-proxy.js";

let db: TestDatabase;
let service: TestService;

beforeAll(async () => {
  db = await createTestDatabase();
  service = await startTestService(db.url, { LOG_LEVEL: "info" });
});
afterAll(async () => {
  await service.stop();
  await db.drop();
});

const lead = { name: "Log Test", email: "log@example.com", source: "website" };

describe("request ids", () => {
  it("generates distinct ids for requests that bring none", async () => {
    const ids = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${service.url}/ping`).then((r) => r.headers.get("x-request-id")),
      ),
    );
    expect(new Set(ids).size).toBe(20);
  });

  it("keeps a valid incoming x-request-id, echoes it, and puts it on every line of the request", async () => {
    const requestId = `trace-${randomUUID()}`;
    const response = await fetch(`${service.url}/api/leads`, {
      method: "POST",
      headers: authHeaders({ "x-request-id": requestId }),
      body: JSON.stringify(lead),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-request-id")).toBe(requestId);
    const lines = service.logs.forRequest(requestId);
    expect(lines.map((line) => line.msg)).toEqual(["lead created", "request completed"]);
    expect(lines[0]).toMatchObject({ event: "business", action: "lead-created", source: "website" });
    expect(lines[1]).toMatchObject({ method: "POST", route: "/api/leads", statusCode: 201, level: "info" });
  });

  it.each([["has spaces in it"], ["x".repeat(200)], ['quote"and\nnewline']])(
    "replaces an unsafe incoming id (%s) with a generated one",
    async (unsafe) => {
      const response = await fetch(`${service.url}/api/leads`, {
        headers: { ...authHeaders(), "x-request-id": unsafe.replace("\n", " ") },
      });
      const echoed = response.headers.get("x-request-id") ?? "";
      expect(echoed).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
      expect(service.logs.forRequest(echoed).length).toBeGreaterThan(0);
    },
  );
});

describe("what is logged", () => {
  it("logs a failed authentication as a security event, without the presented token", async () => {
    const requestId = randomUUID();
    const presented = "Bearer stolen-token-value-1234567890";
    await fetch(`${service.url}/api/leads`, {
      headers: { authorization: presented, "x-request-id": requestId },
    });
    const [event] = service.logs.forRequest(requestId);
    expect(event).toMatchObject({
      level: "warn",
      event: "security",
      reason: "auth-failed",
      authFailure: "invalid",
    });
    expect(service.logs.raw).not.toContain("stolen-token-value");
  });

  it("logs rejected input as a security event naming the field", async () => {
    const requestId = randomUUID();
    await fetch(`${service.url}/api/leads`, {
      method: "POST",
      headers: authHeaders({ "x-request-id": requestId }),
      body: JSON.stringify({ ...lead, email: "nope" }),
    });
    const [event] = service.logs.forRequest(requestId);
    expect(event).toMatchObject({
      level: "warn",
      event: "security",
      reason: "rejected-input",
      statusCode: 400,
    });
    expect(event?.detail).toContain("body.email");
  });

  it("never writes tokens, passwords, cookies or authorization headers", async () => {
    await fetch(`${service.url}/api/leads`, {
      method: "POST",
      headers: authHeaders({ cookie: "session=cookie-secret-value" }),
      body: JSON.stringify({ ...lead, password: "body-password-value" }),
    });
    for (const secret of [TEST_TOKEN, "cookie-secret-value", "body-password-value"]) {
      expect(service.logs.raw).not.toContain(secret);
    }
  });

  it("does not log probe and scrape requests at info level", async () => {
    const ids = ["/ping", "/health/live", "/health/ready", "/health", "/metrics"].map((path) => {
      const requestId = randomUUID();
      return fetch(`${service.url}${path}`, { headers: { "x-request-id": requestId } })
        .then((r) => r.arrayBuffer())
        .then(() => requestId);
    });
    for (const requestId of await Promise.all(ids)) expect(service.logs.forRequest(requestId)).toEqual([]);
  });
});

describe("slow requests", () => {
  let proxy: TcpProxy;
  let slow: TestService;
  afterEach(async () => {
    await slow?.stop();
    await proxy?.stop();
  });

  it("are logged as slow with the threshold", async () => {
    proxy = await proxyTo(PG_SERVER_URL).start();
    slow = await startTestService(viaAddress(db.url, proxy.port), {
      SLOW_REQUEST_MS: "40",
      LOG_LEVEL: "info",
    });
    proxy.setDelay(30);
    const requestId = randomUUID();
    await fetch(`${slow.url}/api/leads/${randomUUID()}`, {
      headers: authHeaders({ "x-request-id": requestId }),
    });
    const line = slow.logs.forRequest(requestId).find((l) => l.msg === "slow request");
    expect(line).toMatchObject({
      level: "warn",
      event: "slow-request",
      thresholdMs: 40,
      route: "/api/leads/:id",
    });
    expect(line?.durationMs as number).toBeGreaterThan(40);
  });
});

describe("createLogger", () => {
  it("censors credentials wherever they appear in a logged object", () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: "info", version: "test", destination: capture });
    logger.info(
      {
        authorization: "Bearer top-1",
        req: { headers: { authorization: "Bearer top-2", cookie: "c=top-3" } },
        user: { password: "top-4", token: "top-5" },
        config: { databaseUrl: "postgres://u:top-6@h/db", apiToken: "top-7" },
      },
      "something",
    );
    expect(capture.raw).not.toMatch(/top-\d/);
    expect(capture.lines[0]).toMatchObject({
      authorization: "[redacted]",
      req: { headers: { authorization: "[redacted]", cookie: "[redacted]" } },
      user: { password: "[redacted]", token: "[redacted]" },
      config: { databaseUrl: "[redacted]", apiToken: "[redacted]" },
      service: "leadms-backend",
    });
  });
});
