import { readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../backend/test/support/database.js";
import { startTestService, type TestService } from "../../backend/test/support/service.js";
import { CONTAINER_NGINX, nginxConfig } from "../nginx-config.js";
import { freePort, nginxTest, type RunningNginx, startNginx, writeTestConfig } from "./support/nginx.js";

let db: TestDatabase;
let backend: TestService;
let nginx: RunningNginx;

beforeAll(async () => {
  db = await createTestDatabase();
  backend = await startTestService(db.url);
  nginx = await startNginx(Number(new URL(backend.url).port));
});
afterAll(async () => {
  await nginx?.stop();
  await backend?.stop();
  await db?.drop();
});

/** A raw HTTP request (fetch would decompress), so bodies and headers arrive as sent. */
function get(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Headers; body: Buffer }>((resolve, reject) => {
    http
      .get(`${nginx.url}${path}`, { headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const received = new Headers();
          for (const [name, value] of Object.entries(response.headers)) received.set(name, String(value));
          resolve({ status: response.statusCode ?? 0, headers: received, body: Buffer.concat(chunks) });
        });
      })
      .on("error", reject);
  });
}

describe("nginx.conf", () => {
  it("is the file nginx-config.ts generates for the image (run npm run generate:nginx after a change)", () => {
    const committed = readFileSync(new URL("../nginx.conf", import.meta.url), "utf8");
    expect(committed).toBe(nginxConfig(CONTAINER_NGINX));
  });

  it("passes nginx -t, and nginx -t catches a broken config", async () => {
    const { dir, configFile, errorLog } = writeTestConfig(await freePort(), 3000, await freePort());
    try {
      const good = nginxTest(configFile, errorLog);
      expect(good.output).toContain("syntax is ok");
      expect(good.ok).toBe(true);
      writeFileSync(
        configFile,
        readFileSync(configFile, "utf8").replace("gzip_vary on;", "gzip_vary maybe;"),
      );
      const bad = nginxTest(configFile, errorLog);
      expect(bad.ok).toBe(false);
      expect(bad.output).toContain("gzip_vary");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the status page server", () => {
  it("serves the page with the security headers and no caching of the HTML", async () => {
    const page = await get("/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.body.toString()).toContain("<title>Lead Management System status</title>");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(page.headers.get("server")).toBe("nginx");
  });

  it("caches static assets and compresses them with gzip", async () => {
    const plain = await get("/assets/status.js");
    const zipped = await get("/assets/status.js", { "accept-encoding": "gzip" });
    expect(plain.headers.get("cache-control")).toBe("max-age=86400");
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(zipped.headers.get("vary")).toBe("Accept-Encoding");
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    expect(zipped.body.length).toBeLessThan(plain.body.length);
    // The security headers come on every answer, a cached asset's and a 404's too.
    expect(zipped.headers.get("x-frame-options")).toBe("DENY");
    const missing = await get("/assets/missing.js");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-security-policy")).toContain("default-src 'self'");
  });

  it("proxies /api/ to the backend with its request id", async () => {
    const response = await get("/api/status");
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString()).status).toBe("operational");
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toMatch(/^[0-9a-f]{32}$/);
    const logged = nginx.accessLog().find((line) => line.uri === "/api/status");
    expect(logged?.requestId).toBe(requestId);
    expect(backend.logs.forRequest(requestId as string).length).toBeGreaterThan(0);
  });

  it("never reaches the backend's /metrics or /health", async () => {
    for (const path of ["/metrics", "/health", "/health/ready"]) {
      const response = await get(path);
      expect(response.body.toString(), path).not.toContain("leadms_");
      expect(response.body.toString(), path).not.toContain('"dependencies"');
    }
    const reached = backend.logs.lines.filter((line) => ["/metrics", "/health"].includes(String(line.url)));
    expect(reached).toEqual([]);
  });

  it("serves stub_status on its loopback status port only", async () => {
    const status = await fetch(nginx.statusUrl);
    expect(status.status).toBe(200);
    expect(await status.text()).toMatch(/^Active connections: \d+/);
    const outside = await get("/stub_status");
    expect(outside.body.toString()).not.toContain("Active connections");
  });

  it("logs every request as one JSON object on stdout", async () => {
    await get("/?probe=log");
    const line = nginx.accessLog().find((entry) => entry.uri === "/index.html" || entry.uri === "/");
    expect(line).toMatchObject({ level: "info", method: "GET", status: 200 });
    expect(typeof line?.durationSeconds).toBe("number");
    expect(String(line?.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});
