import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, viaAddress } from "./support/database.js";
import { startTestService, type TestService } from "./support/service.js";
import { proxyTo, type TcpProxy } from "./support/tcp-proxy.js";
import { waitFor } from "./support/wait.js";

let db: TestDatabase;
let service: TestService | undefined;
let proxy: TcpProxy | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await service?.stop();
  await proxy?.stop();
  service = undefined;
  proxy = undefined;
});
afterAll(async () => {
  await db.drop();
});

const status = async (url: string) => {
  const response = await fetch(`${url}/api/status`);
  return { code: response.status, body: (await response.json()) as any };
};

describe("GET /api/status", () => {
  it("answers without a token, with states only", async () => {
    service = await startTestService(db.url, { ELASTICSEARCH_URL: "http://127.0.0.1:1" });
    const { code, body } = await status(service.url);
    expect(code).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["checkedAt", "services", "status"]);
    expect(body.services).toEqual([
      { name: "api", status: "up" },
      { name: "database", status: "up" },
      { name: "cache", status: "up" },
      { name: "search", status: "down" },
    ]);
    // A non-critical dependency down degrades; it is not an outage.
    expect(body.status).toBe("degraded");
    const text = JSON.stringify(body);
    for (const internal of [
      "postgres",
      "redis",
      "elasticsearch",
      "127.0.0.1",
      "ECONNREFUSED",
      "version",
      "latency",
    ]) {
      expect(text).not.toContain(internal);
    }
  });

  it("reports operational, then an outage while PostgreSQL is unreachable, then operational again", async () => {
    proxy = await proxyTo(db.url).start();
    service = await startTestService(viaAddress(db.url, proxy.port));
    const url = service.url;
    expect((await status(url)).body.status).toBe("operational");

    proxy.setMode("refuse");
    let down: any;
    await waitFor(async () => {
      down = (await status(url)).body;
      return down.status === "outage";
    }, 5000);
    expect(down.services).toContainEqual({ name: "database", status: "down" });
    expect(JSON.stringify(down)).not.toMatch(/ECONNREFUSED|refused|5432/);

    proxy.setMode("forward");
    await waitFor(async () => (await status(url)).body.status === "operational", 5000);
  });
});
