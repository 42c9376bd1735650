import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  type TestDatabase,
  viaAddress,
} from "../../app/backend/test/support/database.js";
import {
  authHeaders,
  REDIS_SERVER_URL,
  startTestService,
  type TestService,
} from "../../app/backend/test/support/service.js";
import { proxyTo, type TcpProxy } from "../../app/backend/test/support/tcp-proxy.js";
import { type RunningNginx, startNginx } from "../../app/frontend/test/support/nginx.js";
import { alertRuleContext, alertRules } from "../../infra/monitoring/alert-rules.js";
import { JSON_FIELDS, LABEL_FIELDS, METADATA_FIELDS } from "../../infra/monitoring/alloy-config.js";
import { dashboards } from "../../infra/monitoring/dashboards.js";
import { type LocalStack, startLocalStack } from "../../infra/monitoring/local-stack.js";
import { alertmanagerOptions, prometheusOptions } from "../../infra/monitoring/stack-monitoring.js";
import { stackConfig } from "../infra/support/render.js";
import { metricNames } from "./support/promql.js";
import { startWebhook, type WebhookAlert } from "./support/webhook.js";

// The real backend, nginx, exporters, Prometheus and Alertmanager on loopback, with the staging stack's
// rules (without their `for` delays) and routing tree, every receiver pointed at a local webhook.
const config = await stackConfig("staging");
const context = alertRuleContext(config);
const dir = mkdtempSync(path.join(tmpdir(), "leadms-live-monitoring-"));
let db: TestDatabase;
let database: TcpProxy;
let backend: TestService;
let nginx: RunningNginx;
let stack: LocalStack;
let webhook: Awaited<ReturnType<typeof startWebhook>>;
let prober: NodeJS.Timeout;

/**
 * Metrics of kube-state-metrics and the kubelet, which cannot run here, named as their documentation
 * names them (kube-state-metrics docs/metrics/workload/{pod,job,cronjob}-metrics.md; the kubelet's
 * volume stats in the Kubernetes metrics reference).
 */
const DOCUMENTED_ELSEWHERE = new Set([
  "kube_pod_container_status_restarts_total",
  "kube_job_status_failed",
  "kube_cronjob_status_last_successful_time",
  "kubelet_volume_stats_available_bytes",
  "kubelet_volume_stats_capacity_bytes",
  "kubelet_volume_stats_used_bytes",
  "kube_job_status_start_time",
  "kube_job_status_completion_time",
]);

async function query(
  expr: string,
): Promise<{ status: string; error?: string; data?: { result: unknown[] } }> {
  const response = await fetch(`${stack.prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await response.json()) as { status: string; error?: string };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const received = webhook.alerts.map((alert) => `${alert.status} ${alert.labels.alertname}`);
      throw new Error(
        `timed out waiting for ${what}; the webhook received: ${received.join(", ") || "nothing"}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  database = await proxyTo(db.url).start();
  const throughProxy = viaAddress(db.url, database.port);
  backend = await startTestService(throughProxy);
  nginx = await startNginx(Number(new URL(backend.url).port));
  webhook = await startWebhook();
  stack = await startLocalStack({
    dir,
    backend: new URL(backend.url).host,
    postgresUrl: `${throughProxy}?sslmode=disable`,
    redisUrl: REDIS_SERVER_URL,
    nginxStatusUrl: nginx.statusUrl,
    prometheus: prometheusOptions(config),
    rules: context,
    alertmanager: alertmanagerOptions(config),
    webhookUrl: webhook.url,
    // Above the second postgres-exporter takes to report a refused connection, within the scrape timeout.
    interval: "2s",
  });
  // The kubelet's part: readiness probes are what refresh the backend's dependency checks.
  prober = setInterval(() => void fetch(`${backend.url}/health/ready`).catch(() => undefined), 500);
  // Traffic on every route, so every series the rules read exists.
  const created = await fetch(`${backend.url}/api/leads`, {
    method: "POST",
    headers: authHeaders(),
    body: JSON.stringify({ name: "Ada", email: "ada@example.com", source: "website" }),
  });
  const { id } = (await created.json()) as { id: string };
  await fetch(`${backend.url}/api/leads/${id}`, { headers: authHeaders() });
  await fetch(`${backend.url}/api/leads/${id}/status`, {
    method: "PATCH",
    headers: authHeaders(),
    body: JSON.stringify({ status: "contacted" }),
  });
  await fetch(`${backend.url}/api/leads`, {
    headers: { authorization: "Bearer wrong-token-0123456789-abcdef" },
  });
  await fetch(`${nginx.url}/`);
}, 60_000);

afterAll(async () => {
  clearInterval(prober);
  await stack?.stop();
  await webhook?.stop();
  await nginx?.stop();
  await backend?.stop();
  await database?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the alerting stack against real targets", () => {
  it("scrapes every target it is given", async () => {
    const jobs = await until("every target up", async () => {
      const response = (await (await fetch(`${stack.prometheusUrl}/api/v1/targets`)).json()) as any;
      const targets = response.data.activeTargets as { labels: { job: string }; health: string }[];
      return targets.length > 0 && targets.every((t) => t.health === "up")
        ? targets.map((t) => t.labels.job).sort()
        : undefined;
    });
    expect(jobs).toEqual(["alertmanager", "backend", "frontend", "node", "postgres", "prometheus", "redis"]);
  });

  it("evaluates every rule expression, each naming only metrics the targets expose", async () => {
    await until("the backend's request histogram", async () =>
      ((await query("leadms_http_request_duration_seconds_count")).data?.result.length ?? 0) > 0
        ? true
        : undefined,
    );
    const names = (
      (await (await fetch(`${stack.prometheusUrl}/api/v1/label/__name__/values`)).json()) as {
        data: string[];
      }
    ).data;
    const exposed = new Set(names);
    for (const rule of Object.values(alertRules(context)).flat()) {
      const result = await query(rule.expr);
      expect(result, `${rule.alert}: ${result.error}`).toMatchObject({ status: "success" });
      for (const name of metricNames(rule.expr)) {
        expect(
          exposed.has(name) || DOCUMENTED_ELSEWHERE.has(name),
          `${rule.alert} reads ${name}, which no target exposes`,
        ).toBe(true);
      }
    }
  });

  it("answers every dashboard query with data, but those of kube-state-metrics and the kubelet", async () => {
    const queries = dashboards({ namespace: config.namespace, environment: config.stack })
      .flatMap((d) => (d.panels ?? []) as any[])
      .flatMap((panel) => (panel.targets ?? []).map((t: any) => ({ panel: panel.title, ...t })))
      .filter((t: any) => t.datasource.uid === "prometheus");
    expect(queries.length).toBeGreaterThan(20);
    for (const { panel, expr } of queries) {
      const result = await until(
        `data for "${panel}"`,
        async () => {
          const answer = await query(expr);
          expect(answer, `${panel}: ${answer.error}`).toMatchObject({ status: "success" });
          const elsewhere = metricNames(expr).some((name) => DOCUMENTED_ELSEWHERE.has(name));
          return elsewhere || (answer.data?.result.length ?? 0) > 0 ? answer : undefined;
        },
        20_000,
      );
      expect(result.status).toBe("success");
    }
  }, 60_000);

  it("finds in the backend's real log lines the fields Alloy's stages read, with label-safe values", () => {
    const lines = backend.logs.lines;
    const requests = lines.filter((line) => line.requestId !== undefined);
    expect(requests.length).toBeGreaterThan(3);
    for (const line of lines) {
      // The level becomes a label: a handful of words, never a number or free text.
      expect(["trace", "debug", "info", "warn", "error", "fatal"]).toContain(line[JSON_FIELDS.level]);
    }
    for (const line of requests)
      expect(String(line[JSON_FIELDS.request_id])).toMatch(/^[A-Za-z0-9._-]{8,128}$/);
    expect(lines.some((line) => line[JSON_FIELDS.event] === "security")).toBe(true);
    // The request id is metadata, never a label: one stream per request would swamp Loki's index.
    expect(LABEL_FIELDS as readonly string[]).not.toContain("request_id");
    expect(METADATA_FIELDS as readonly string[]).toContain("request_id");
  });

  it("delivers the backend not-ready and PostgreSQL-down alerts when PostgreSQL is cut off, and their resolution", async () => {
    const delivered = (status: WebhookAlert["status"], alertname: string) =>
      webhook.alerts.find((alert) => alert.status === status && alert.labels.alertname === alertname);
    database.setMode("refuse");
    const firing = await until("both alerts firing at the webhook", async () => {
      const notReady = delivered("firing", "BackendNotReady");
      const down = delivered("firing", "PostgresDown");
      return notReady && down ? { notReady, down } : undefined;
    });
    expect(firing.notReady.labels).toMatchObject({
      severity: "critical",
      environment: "staging",
      dependency: "postgres",
    });
    expect(firing.down.labels).toMatchObject({
      severity: "critical",
      environment: "staging",
      job: "postgres",
    });
    for (const alert of [firing.notReady, firing.down]) {
      expect(alert.annotations.runbook_url).toBe(
        `${context.runbookBaseUrl}#${alert.labels.alertname?.toLowerCase()}`,
      );
      expect(alert.annotations.summary).toBeTruthy();
    }

    database.setMode("forward");
    await until("both alerts resolved at the webhook", async () =>
      delivered("resolved", "BackendNotReady") && delivered("resolved", "PostgresDown") ? true : undefined,
    );
  }, 90_000);

  it("delivers the watchdog, which always fires", async () => {
    const watchdog = await until("the watchdog at the webhook", async () =>
      webhook.alerts.find((alert) => alert.labels.alertname === "Watchdog"),
    );
    expect(watchdog.labels).toMatchObject({ severity: "none", environment: "staging" });
  });
});
