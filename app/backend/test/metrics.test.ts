import { randomUUID } from "node:crypto";
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { authHeaders, startTestService, type TestService } from "./support/service.js";

let db: TestDatabase;
let service: TestService;

beforeAll(async () => {
  db = await createTestDatabase();
  service = await startTestService(db.url);
});
afterAll(async () => {
  await service.stop();
  await db.drop();
});

async function metric(name: string): Promise<MetricValue<string>[]> {
  const all = (await service.service.app.metrics.registry.getMetricsAsJSON()) as MetricObjectWithValues<
    MetricValue<string>
  >[];
  return all.find((m) => m.name === name)?.values ?? [];
}

const sampleValue = async (name: string, labels: Record<string, string | number> = {}) =>
  (await metric(name)).find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;

const durationSeries = async () =>
  (await metric("leadms_http_request_duration_seconds")).filter((v) => v.labels.le === "+Inf");

async function get(path: string, headers: Record<string, string> = authHeaders()) {
  const response = await fetch(`${service.url}${path}`, { headers });
  await response.arrayBuffer();
  return response.status;
}

describe("/metrics", () => {
  it("serves the Prometheus text format with default, build and HTTP metrics", async () => {
    await get("/api/leads");
    const response = await fetch(`${service.url}/metrics`);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain("process_cpu_seconds_total");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
    expect(text).toMatch(
      /leadms_build_info\{version="0\.1\.0",commit="unknown",node_version="v\d+\.\d+\.\d+"\} 1/,
    );
    expect(text).toMatch(
      /leadms_http_request_duration_seconds_count\{method="GET",route="\/api\/leads",status_code="200"\} \d+/,
    );
    expect(text).toMatch(/leadms_http_requests_in_flight \d+/);
  });

  it("keeps probe and scrape routes out of the HTTP histogram", async () => {
    for (const path of ["/ping", "/health/live", "/health/ready", "/health", "/metrics"]) await get(path);
    const routes = new Set((await durationSeries()).map((v) => v.labels.route));
    for (const path of ["/ping", "/health/live", "/health/ready", "/health", "/metrics"])
      expect(routes).not.toContain(path);
  });

  it("labels requests by route template, so 1,000 distinct ids add no series", async () => {
    await get(`/api/leads/${randomUUID()}`);
    await get(`/no/such/path/${randomUUID()}`);
    const before = await durationSeries();
    for (let i = 0; i < 1000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          j % 2 === 0 ? get(`/api/leads/${randomUUID()}`) : get(`/no/such/path/${randomUUID()}`),
        ),
      );
    }
    const after = await durationSeries();
    expect(after.length).toBe(before.length);
    const routes = new Set(after.map((v) => v.labels.route));
    expect(routes).toContain("/api/leads/:id");
    expect(routes).toContain("unmatched");
    expect([...routes].some((route) => String(route).includes("-"))).toBe(false);
    expect(
      await sampleValue("leadms_http_request_duration_seconds", {
        le: "+Inf",
        route: "/api/leads/:id",
        status_code: "404",
      }),
    ).toBeGreaterThanOrEqual(501);
  });

  it("counts leads by source, status changes and conversions", async () => {
    const post = (body: unknown) =>
      fetch(`${service.url}/api/leads`, {
        method: "POST",
        headers: authHeaders(),
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ id: string }>);
    const patch = (id: string, status: string) =>
      fetch(`${service.url}/api/leads/${id}/status`, {
        method: "PATCH",
        headers: authHeaders(),
        body: JSON.stringify({ status }),
      });
    const createdBefore = await sampleValue("leadms_leads_created_total", { source: "partner" });
    const lead = await post({ name: "M", email: "m@example.com", source: "partner" });
    await post({ name: "N", email: "n@example.com", source: "partner" });
    expect(await sampleValue("leadms_leads_created_total", { source: "partner" })).toBe(createdBefore + 2);
    await patch(lead.id, "qualified");
    await patch(lead.id, "converted");
    expect(await sampleValue("leadms_lead_status_changes_total", { from: "new", to: "qualified" })).toBe(1);
    expect(
      await sampleValue("leadms_lead_status_changes_total", { from: "qualified", to: "converted" }),
    ).toBe(1);
    expect(await sampleValue("leadms_lead_conversions_total")).toBe(1);
    await patch(lead.id, "lost");
    expect(await sampleValue("leadms_lead_status_changes_total", { from: "converted", to: "lost" })).toBe(0);
  });

  it("counts authentication failures by reason", async () => {
    const before = await sampleValue("leadms_auth_failures_total", { reason: "invalid" });
    expect(await get("/api/leads", { authorization: "Bearer nope" })).toBe(401);
    expect(await get("/api/leads", {})).toBe(401);
    expect(await sampleValue("leadms_auth_failures_total", { reason: "invalid" })).toBe(before + 1);
    expect(await sampleValue("leadms_auth_failures_total", { reason: "missing" })).toBeGreaterThanOrEqual(1);
  });

  it("exposes dependency state and check latency", async () => {
    await get("/health/ready");
    expect(await sampleValue("leadms_dependency_up", { dependency: "postgres" })).toBe(1);
    expect(await sampleValue("leadms_dependency_up", { dependency: "redis" })).toBe(1);
    expect(
      await sampleValue("leadms_dependency_check_duration_seconds", { dependency: "postgres" }),
    ).toBeGreaterThan(0);
    expect(
      await sampleValue("leadms_dependency_checks_total", { dependency: "redis", result: "up" }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("records no HTTP series when metrics are turned off", async () => {
    const quiet = await startTestService(db.url, { METRICS_ENABLED: "false" });
    try {
      await fetch(`${quiet.url}/ping`).then((r) => r.text());
      const text = await fetch(`${quiet.url}/metrics`).then((r) => r.text());
      expect(text).not.toContain("leadms_http_request_duration_seconds_count{");
      expect(text).toContain("leadms_build_info");
    } finally {
      await quiet.stop();
    }
  });
});
