import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  type TestDatabase,
  viaAddress,
} from "../../app/backend/test/support/database.js";
import { startTestService, TEST_TOKEN, type TestService } from "../../app/backend/test/support/service.js";
import { proxyTo, type TcpProxy } from "../../app/backend/test/support/tcp-proxy.js";
import { freePort } from "../../app/frontend/test/support/nginx.js";
import { runScript } from "../backup/support/scripts.js";

let db: TestDatabase;
let backend: TestService | undefined;
let proxy: TcpProxy | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await backend?.stop();
  await proxy?.stop();
  backend = undefined;
  proxy = undefined;
});
afterAll(async () => {
  await db?.drop();
});

const smoke = (url: string, ...args: string[]) =>
  runScript("smoke-test.sh", [url, ...args], { API_TOKEN: TEST_TOKEN });

describe("smoke-test.sh", () => {
  it("passes against a healthy backend, leaving its lead closed", async () => {
    backend = await startTestService(db.url);
    const result = await smoke(backend.url);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("smoke-test: passed");
    const id = /lead round trip ok \(([0-9a-f-]{36})\)/.exec(result.stderr)?.[1];
    const response = await fetch(`${backend.url}/api/leads/${id}`, {
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
    });
    const lead = (await response.json()) as any;
    expect(lead).toMatchObject({ name: "smoke test", status: "lost", source: "other" });
    expect(lead.email).toMatch(/@leadms\.invalid$/);
  });

  it("fails with the reason when nothing answers within the timeout", async () => {
    const started = Date.now();
    const result = await smoke(
      `http://127.0.0.1:${await freePort()}`,
      "--timeout",
      "3",
      "--request-timeout",
      "1",
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/FAILED: not ready within 3s/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("fails when the backend is up but not ready, naming what it reports", async () => {
    proxy = await proxyTo(db.url).start();
    backend = await startTestService(viaAddress(db.url, proxy.port));
    proxy.setMode("refuse");
    const result = await smoke(backend.url, "--timeout", "3");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("not ready within 3s");
    expect(result.stderr).toContain("postgres");
  });

  it("waits for a slow backend, and gives up on one slower than its request timeout", async () => {
    proxy = await proxyTo(db.url).start();
    backend = await startTestService(viaAddress(db.url, proxy.port), {
      HEALTH_CHECK_TIMEOUT_MS: "5000",
      DATABASE_TIMEOUT_MS: "10000",
    });
    proxy.setDelay(300);
    const slow = await smoke(backend.url, "--timeout", "30");
    expect(slow.code, slow.stderr).toBe(0);
    proxy.setDelay(3000);
    const tooSlow = await smoke(backend.url, "--timeout", "4", "--request-timeout", "1");
    expect(tooSlow.code).toBe(1);
    expect(tooSlow.stderr).toContain("FAILED");
  }, 60_000);

  it("fails when the API token is wrong", async () => {
    backend = await startTestService(db.url);
    const result = await runScript("smoke-test.sh", [backend.url], {
      API_TOKEN: "wrong-token-0123456789-abcdef",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("creating a lead answered 401");
  });

  it.each([
    [[], "the backend URL must be http(s)://host[:port]"],
    [["ftp://x"], "the backend URL must be http(s)://host[:port]"],
    [["http://127.0.0.1:3000", "--timeout", "soon"], '--timeout must be a number of seconds, got "soon"'],
  ])("rejects %j with exit 2", async (args, message) => {
    const result = await runScript("smoke-test.sh", args, { API_TOKEN: TEST_TOKEN });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
