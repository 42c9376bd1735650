import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, viaAddress } from "../../backend/test/support/database.js";
import { startTestService, type TestService } from "../../backend/test/support/service.js";
import { proxyTo, type TcpProxy } from "../../backend/test/support/tcp-proxy.js";
import { type RunningNginx, startNginx } from "./support/nginx.js";

// The page in real headless Chromium, served by a real nginx that proxies to a real backend.
let db: TestDatabase;
let database: TcpProxy;
let backend: TestService | undefined;
let nginx: RunningNginx | undefined;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  database = await proxyTo(db.url).start();
  // Playwright gives each launch a fresh, empty profile directory of its own.
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});
afterEach(async () => {
  await page?.close();
  await nginx?.stop();
  await backend?.stop();
  nginx = undefined;
  backend = undefined;
  database.setMode("forward");
});
afterAll(async () => {
  await browser?.close();
  await database?.stop();
  await db?.drop();
});

async function openStatusPage(): Promise<Page> {
  backend = await startTestService(viaAddress(db.url, database.port));
  nginx = await startNginx(Number(new URL(backend.url).port));
  page = await browser.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  await page.goto(nginx.url);
  return page;
}

const overall = (p: Page) => p.locator("#overall");
const serviceState = (p: Page, name: string) => p.locator(`li[data-service="${name}"]`);

describe("the status page", () => {
  it("shows every service operational, with no script or policy errors", async () => {
    const p = await openStatusPage();
    await expect.poll(() => overall(p).getAttribute("data-status")).toBe("operational");
    expect(await overall(p).textContent()).toBe("All systems operational");
    expect(await p.locator("#services li").evaluateAll((items) => items.map((i) => i.textContent))).toEqual([
      "APIOperational",
      "DatabaseOperational",
      "CacheOperational",
    ]);
    expect(await p.locator("#checked-at").getAttribute("datetime")).toMatch(/^\d{4}-\d\d-\d\dT/);
    // A CSP that blocked the page's own script or style would show here.
    expect(consoleErrors).toEqual([]);
  });

  it("shows an outage with the database down while PostgreSQL is unreachable", async () => {
    const p = await openStatusPage();
    await expect.poll(() => overall(p).getAttribute("data-status")).toBe("operational");
    database.setMode("refuse");
    await p.reload();
    await expect.poll(() => overall(p).getAttribute("data-status")).toBe("outage");
    expect(await overall(p).textContent()).toBe("Service outage");
    expect(await serviceState(p, "database").getAttribute("data-status")).toBe("down");
    expect(await serviceState(p, "database").textContent()).toBe("DatabaseDown");
    expect(await serviceState(p, "cache").getAttribute("data-status")).toBe("up");
  });

  it("says the status is unavailable when the backend cannot be reached", async () => {
    const p = await openStatusPage();
    await expect.poll(() => overall(p).getAttribute("data-status")).toBe("operational");
    await backend?.stop();
    backend = undefined;
    await p.reload();
    await expect.poll(() => overall(p).getAttribute("data-status")).toBe("unreachable");
    expect(await overall(p).textContent()).toBe("Status unavailable: the service cannot be reached");
  });
});
