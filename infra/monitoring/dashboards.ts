import {
  type Dashboard,
  DashboardBuilder,
  TextBoxVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as LogsPanel } from "@grafana/grafana-foundation-sdk/logs";
import { DataqueryBuilder as LokiQuery } from "@grafana/grafana-foundation-sdk/loki";
import { DataqueryBuilder as PromQuery } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";

/** Datasource uids, provisioned with these exact values so dashboards can name them. */
export const DATASOURCES = {
  prometheus: { type: "prometheus", uid: "prometheus" },
  loki: { type: "loki", uid: "loki" },
  alertmanager: { type: "alertmanager", uid: "alertmanager" },
} as const;

export interface DashboardContext {
  /** The application namespace, `leadms-<stack>`. */
  readonly namespace: string;
  readonly environment: string;
}

/** A threshold: green below `warn`, orange from it, red from `critical`. */
interface Limits {
  readonly warn: number;
  readonly critical: number;
}

const thresholds = ({ warn, critical }: Limits) =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null, color: "green" },
    { value: warn, color: "orange" },
    { value: critical, color: "red" },
  ]);

/** For values where lower is worse (up, free space). */
const floor = (critical: number) =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null, color: "red" },
    { value: critical, color: "green" },
  ]);

interface Query {
  readonly expr: string;
  readonly legend: string;
}

const refIds = "ABCDEFGH";
const promTargets = (queries: readonly Query[]) =>
  queries.map((query, i) =>
    new PromQuery()
      .expr(query.expr)
      .legendFormat(query.legend)
      .refId(refIds[i] as string)
      .datasource(DATASOURCES.prometheus),
  );

function timeseries(
  title: string,
  description: string,
  unit: string,
  limits: ThresholdsConfigBuilder,
  ...queries: Query[]
) {
  const panel = new TimeseriesPanel()
    .title(title)
    .description(description)
    .unit(unit)
    .thresholds(limits)
    .datasource(DATASOURCES.prometheus);
  for (const target of promTargets(queries)) panel.withTarget(target);
  return panel.height(8).span(12);
}

function stat(
  title: string,
  description: string,
  unit: string,
  limits: ThresholdsConfigBuilder,
  query: Query,
) {
  const panel = new StatPanel()
    .title(title)
    .description(description)
    .unit(unit)
    .thresholds(limits)
    .datasource(DATASOURCES.prometheus);
  for (const target of promTargets([query])) panel.withTarget(target);
  return panel.height(6).span(6);
}

function logs(title: string, description: string, expr: string) {
  return new LogsPanel()
    .title(title)
    .description(description)
    .datasource(DATASOURCES.loki)
    .withTarget(new LokiQuery().expr(expr).refId("A").datasource(DATASOURCES.loki))
    .showTime(true)
    .wrapLogMessage(true)
    .enableLogDetails(true)
    .height(12)
    .span(24);
}

const backend = 'job="backend"';

function dashboard(
  uid: string,
  title: string,
  context: DashboardContext,
  build: (d: DashboardBuilder) => void,
): Dashboard {
  const builder = new DashboardBuilder(title)
    .uid(`leadms-${uid}`)
    .tags(["leadms", context.environment])
    .refresh("30s")
    .time({ from: "now-6h", to: "now" })
    .timezone("utc");
  build(builder);
  return builder.build();
}

/** The platform's dashboards: service, dependencies, business, backups, logs and nodes. */
export function dashboards(context: DashboardContext): Dashboard[] {
  const ns = context.namespace;
  return [
    dashboard("service", "leadms: service overview", context, (d) =>
      d
        .withPanel(
          timeseries(
            "Request rate",
            "Requests per second by route, probes excluded.",
            "reqps",
            thresholds({ warn: 200, critical: 500 }),
            {
              expr: `sum by (route) (rate(leadms_http_request_duration_seconds_count{${backend}}[5m]))`,
              legend: "{{route}}",
            },
          ),
        )
        .withPanel(
          timeseries(
            "Error ratio",
            "Share of requests answered 5xx.",
            "percentunit",
            thresholds({ warn: 0.01, critical: 0.05 }),
            {
              // "or vector(0)": no 5xx at all is a ratio of 0, not an empty panel.
              expr:
                `(sum(rate(leadms_http_request_duration_seconds_count{${backend},status_code=~"5.."}[5m])) or vector(0))` +
                ` / sum(rate(leadms_http_request_duration_seconds_count{${backend}}[5m]))`,
              legend: "5xx ratio",
            },
          ),
        )
        .withPanel(
          timeseries(
            "Duration by route",
            "p50, p95 and p99 of the response time per route.",
            "s",
            thresholds({ warn: 0.5, critical: 1 }),
            ...[0.5, 0.95, 0.99].map((q) => ({
              expr: `histogram_quantile(${q}, sum by (le, route) (rate(leadms_http_request_duration_seconds_bucket{${backend}}[5m])))`,
              legend: `p${Math.round(q * 100)} {{route}}`,
            })),
          ),
        )
        .withPanel(
          timeseries(
            "In-flight requests",
            "Requests being served right now, per pod.",
            "short",
            thresholds({ warn: 50, critical: 200 }),
            {
              expr: `sum by (instance) (leadms_http_requests_in_flight{${backend}})`,
              legend: "{{instance}}",
            },
          ),
        ),
    ),
    dashboard("dependencies", "leadms: dependencies", context, (d) =>
      d
        .withPanel(
          stat("PostgreSQL up (exporter)", "1 when postgres-exporter reaches PostgreSQL.", "none", floor(1), {
            expr: 'min(pg_up{job="postgres"})',
            legend: "up",
          }),
        )
        .withPanel(
          stat("Redis up (exporter)", "1 when redis-exporter reaches Redis.", "none", floor(1), {
            expr: 'min(redis_up{job="redis"})',
            legend: "up",
          }),
        )
        .withPanel(
          timeseries(
            "Dependencies as the backend sees them",
            "1 while each backend pod's check of a dependency passes.",
            "none",
            floor(1),
            {
              expr: `min by (dependency) (leadms_dependency_up{${backend}})`,
              legend: "{{dependency}}",
            },
          ),
        )
        .withPanel(
          timeseries(
            "Check latency",
            "How long each dependency's last check took, slowest pod.",
            "s",
            thresholds({ warn: 0.1, critical: 0.5 }),
            {
              expr: `max by (dependency) (leadms_dependency_check_duration_seconds{${backend}})`,
              legend: "{{dependency}}",
            },
          ),
        )
        .withPanel(
          timeseries(
            "PostgreSQL connections",
            "Connections by state against max_connections.",
            "short",
            thresholds({ warn: 80, critical: 95 }),
            {
              expr: 'sum by (state) (pg_stat_activity_count{job="postgres"})',
              legend: "{{state}}",
            },
          ),
        )
        .withPanel(
          timeseries(
            "Redis memory",
            "Memory Redis uses; eviction starts at maxmemory.",
            "bytes",
            thresholds({ warn: 80 * 2 ** 20, critical: 95 * 2 ** 20 }),
            {
              expr: 'redis_memory_used_bytes{job="redis"}',
              legend: "used",
            },
          ),
        ),
    ),
    dashboard("business", "leadms: leads", context, (d) =>
      d
        .withPanel(
          timeseries(
            "Leads created by source",
            "New leads per hour, by where they came from.",
            "short",
            thresholds({ warn: 1000, critical: 5000 }),
            {
              expr: "sum by (source) (increase(leadms_leads_created_total[1h]))",
              legend: "{{source}}",
            },
          ),
        )
        .withPanel(
          timeseries(
            "Status changes",
            "Lead status transitions per hour.",
            "short",
            thresholds({ warn: 1000, critical: 5000 }),
            {
              expr: "sum by (from, to) (increase(leadms_lead_status_changes_total[1h]))",
              legend: "{{from}} → {{to}}",
            },
          ),
        )
        .withPanel(
          stat("Conversions (24 h)", "Leads converted in the last day.", "short", floor(0), {
            expr: "sum(increase(leadms_lead_conversions_total[24h]))",
            legend: "converted",
          }),
        ),
    ),
    dashboard("backups", "leadms: backups", context, (d) =>
      d
        .withPanel(
          stat(
            "Age of the last successful backup",
            "Time since postgres-backup last succeeded; alerts above 26 h.",
            "s",
            thresholds({ warn: 25 * 3600, critical: 26 * 3600 }),
            {
              expr: `time() - max(kube_cronjob_status_last_successful_time{namespace="${ns}",cronjob="postgres-backup"})`,
              legend: "age",
            },
          ),
        )
        .withPanel(
          timeseries(
            "Backup duration",
            "How long each backup job ran.",
            "s",
            thresholds({ warn: 1200, critical: 3000 }),
            {
              expr: `max by (job_name) (kube_job_status_completion_time{namespace="${ns}",job_name=~"postgres-backup-.+"} - kube_job_status_start_time{namespace="${ns}",job_name=~"postgres-backup-.+"})`,
              legend: "{{job_name}}",
            },
          ),
        )
        .withPanel(
          timeseries(
            "Backup volume used",
            "Bytes the dumps occupy on postgres-backups.",
            "bytes",
            thresholds({ warn: 0.8 * 2 ** 30, critical: 0.9 * 2 ** 30 }),
            {
              expr: `kubelet_volume_stats_used_bytes{namespace="${ns}",persistentvolumeclaim="postgres-backups"}`,
              legend: "used",
            },
          ),
        )
        .withPanel(
          timeseries(
            "Failed backups and restore checks",
            "Jobs of each CronJob that failed.",
            "short",
            thresholds({ warn: 1, critical: 2 }),
            {
              expr: `sum by (job_name) (kube_job_status_failed{namespace="${ns}",job_name=~"postgres-(backup|restore-check)-.+"})`,
              legend: "{{job_name}}",
            },
          ),
        ),
    ),
    dashboard("logs", "leadms: logs", context, (d) =>
      d
        .withVariable(new TextBoxVariableBuilder("request_id").label("Request id"))
        .withPanel(
          logs(
            "Errors",
            "Backend and frontend lines at level error or fatal.",
            `{namespace="${ns}", level=~"error|fatal"}`,
          ),
        )
        .withPanel(
          logs(
            "Security events",
            "Failed authentication and rejected input.",
            `{namespace="${ns}", app="backend"} | json | event="security"`,
          ),
        )
        .withPanel(
          logs(
            "One request",
            "Every line of the request id typed above, from nginx and the backend.",
            `{namespace="${ns}", app=~"backend|frontend"} | request_id="$request_id"`,
          ),
        ),
    ),
    dashboard("nodes", "leadms: nodes", context, (d) =>
      d
        .withPanel(
          timeseries(
            "CPU busy",
            "Share of each node's CPU time not idle.",
            "percentunit",
            thresholds({ warn: 0.8, critical: 0.9 }),
            {
              expr: '1 - avg by (instance) (rate(node_cpu_seconds_total{job="node",mode="idle"}[5m]))',
              legend: "{{instance}}",
            },
          ),
        )
        .withPanel(
          timeseries(
            "Memory used",
            "Share of each node's memory in use.",
            "percentunit",
            thresholds({ warn: 0.8, critical: 0.9 }),
            {
              expr: '1 - node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"}',
              legend: "{{instance}}",
            },
          ),
        )
        .withPanel(
          timeseries(
            "Disk used",
            "Share of each node's filesystems in use.",
            "percentunit",
            thresholds({ warn: 0.75, critical: 0.85 }),
            {
              expr: '1 - node_filesystem_avail_bytes{job="node",fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes{job="node",fstype!~"tmpfs|overlay"}',
              legend: "{{instance}} {{mountpoint}}",
            },
          ),
        ),
    ),
  ];
}
