import type { StackSettings } from "../config-schema.js";

export type Severity = "critical" | "warning" | "none";

/** One alerting rule, as typed code; `toRuleGroups` turns the list into a Prometheus rule file. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the expression must hold; immediate rules (`for` 0) leave it out. */
  readonly for: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
  /** Anchor of the alert's section in docs/alerts.md. */
  readonly runbook: string;
}

export interface AlertRuleContext {
  /** The stack name, written on every alert as `environment`. */
  readonly environment: string;
  /** The application namespace, `leadms-<stack>`. */
  readonly namespace: string;
  readonly monitoringNamespace: string;
  readonly thresholds: StackSettings["monitoring"]["thresholds"];
  readonly runbookBaseUrl: string;
}

/** The alerts of a stack, grouped by what they watch. */
export function alertRules(context: AlertRuleContext): Record<string, AlertRule[]> {
  const t = context.thresholds;
  const ns = context.namespace;
  const percent = (ratio: number) => `${Math.round(ratio * 100)} %`;
  return {
    backend: [
      {
        alert: "BackendDown",
        expr: 'up{job="backend"} == 0 or absent(up{job="backend"})',
        for: "2m",
        severity: "critical",
        summary: "The backend cannot be scraped",
        description:
          "Prometheus has not reached a backend pod for 2 minutes: the leads API is probably down.",
        runbook: "backenddown",
      },
      {
        alert: "BackendHigh5xxRatio",
        expr:
          'sum(rate(leadms_http_request_duration_seconds_count{job="backend",status_code=~"5.."}[5m]))' +
          ` / sum(rate(leadms_http_request_duration_seconds_count{job="backend"}[5m])) > ${t.http5xxRatio}`,
        for: "5m",
        severity: "critical",
        summary: "Many backend requests fail",
        description: `More than ${percent(t.http5xxRatio)} of the backend's requests answered 5xx over 5 minutes.`,
        runbook: "backendhigh5xxratio",
      },
      {
        alert: "BackendHighLatencyP95",
        expr:
          'histogram_quantile(0.95, sum by (le) (rate(leadms_http_request_duration_seconds_bucket{job="backend"}[5m])))' +
          ` > ${t.latencyP95Seconds}`,
        for: "10m",
        severity: "warning",
        summary: "The backend is slow",
        description: `The 95th percentile of the backend's response time is above ${t.latencyP95Seconds} s.`,
        runbook: "backendhighlatencyp95",
      },
      {
        alert: "BackendNotReady",
        expr: 'min by (instance, dependency) (leadms_dependency_up{job="backend",dependency=~"postgres|redis"}) == 0',
        for: "1m",
        severity: "critical",
        summary: "The backend cannot reach a dependency it needs",
        description:
          "A backend pod reports PostgreSQL or Redis down: it is not ready, and leads cannot be saved.",
        runbook: "backendnotready",
      },
      {
        alert: "BackendCrashLooping",
        expr: `increase(kube_pod_container_status_restarts_total{namespace="${ns}"}[15m]) > 3`,
        for: "5m",
        severity: "critical",
        summary: "A container keeps restarting",
        description: "A container in the application namespace restarted more than 3 times in 15 minutes.",
        runbook: "backendcrashlooping",
      },
      {
        alert: "AuthFailureSpike",
        expr: `sum(rate(leadms_auth_failures_total{job="backend"}[5m])) * 60 > ${t.authFailuresPerMinute}`,
        for: "5m",
        severity: "warning",
        summary: "Many failed API authentications",
        description: `More than ${t.authFailuresPerMinute} requests a minute fail authentication: a client with a stale token, or someone guessing.`,
        runbook: "authfailurespike",
      },
    ],
    postgres: [
      {
        alert: "PostgresDown",
        expr: 'pg_up{job="postgres"} == 0',
        for: "1m",
        severity: "critical",
        summary: "PostgreSQL is unreachable",
        description: "postgres-exporter cannot connect to PostgreSQL: the backend cannot read or save leads.",
        runbook: "postgresdown",
      },
      {
        alert: "PostgresTooManyConnections",
        expr:
          'sum by (instance) (pg_stat_activity_count{job="postgres"})' +
          ` / max by (instance) (pg_settings_max_connections{job="postgres"}) > ${t.postgresConnectionsRatio}`,
        for: "5m",
        severity: "warning",
        summary: "PostgreSQL is running out of connections",
        description: `More than ${percent(t.postgresConnectionsRatio)} of max_connections are in use.`,
        runbook: "postgrestoomanyconnections",
      },
      {
        alert: "PostgresDeadlocks",
        expr: 'sum by (instance, datname) (increase(pg_stat_database_deadlocks{job="postgres"}[10m])) > 0',
        for: "0s",
        severity: "warning",
        summary: "PostgreSQL detected deadlocks",
        description: "Transactions deadlocked in the last 10 minutes; one of each pair was rolled back.",
        runbook: "postgresdeadlocks",
      },
    ],
    redis: [
      {
        alert: "RedisDown",
        expr: 'redis_up{job="redis"} == 0',
        for: "1m",
        severity: "critical",
        summary: "Redis is unreachable",
        description: "redis-exporter cannot connect to Redis: the backend is not ready without it.",
        runbook: "redisdown",
      },
      {
        alert: "RedisMemoryNearLimit",
        expr:
          `redis_memory_used_bytes{job="redis"} / redis_memory_max_bytes{job="redis"} > ${t.redisMemoryRatio}` +
          ' and redis_memory_max_bytes{job="redis"} > 0',
        for: "5m",
        severity: "warning",
        summary: "Redis is close to maxmemory",
        description: `Redis uses more than ${percent(t.redisMemoryRatio)} of maxmemory and evicts cached leads.`,
        runbook: "redismemorynearlimit",
      },
      {
        alert: "RedisRejectedConnections",
        expr: 'increase(redis_rejected_connections_total{job="redis"}[5m]) > 0',
        for: "0s",
        severity: "warning",
        summary: "Redis rejects connections",
        description: "Redis refused connections in the last 5 minutes (maxclients reached).",
        runbook: "redisrejectedconnections",
      },
    ],
    backups: [
      {
        alert: "BackupTooOld",
        expr:
          `time() - max(kube_cronjob_status_last_successful_time{namespace="${ns}",cronjob="postgres-backup"})` +
          ` > ${t.backupMaxAgeHours * 3600}`,
        for: "10m",
        severity: "critical",
        summary: "The last successful backup is too old",
        description: `No PostgreSQL backup has succeeded for more than ${t.backupMaxAgeHours} hours.`,
        runbook: "backuptooold",
      },
      {
        alert: "BackupJobFailed",
        expr: `max by (job_name) (kube_job_status_failed{namespace="${ns}",job_name=~"postgres-backup-.+"}) > 0`,
        for: "0s",
        severity: "warning",
        summary: "A backup job failed",
        description: "A postgres-backup job failed; its logs say at which step.",
        runbook: "backupjobfailed",
      },
      {
        alert: "RestoreCheckFailed",
        expr: `max by (job_name) (kube_job_status_failed{namespace="${ns}",job_name=~"postgres-restore-check-.+"}) > 0`,
        for: "0s",
        severity: "warning",
        summary: "The restore check failed",
        description:
          "The newest dump did not restore into a scratch database, or a table came back missing or empty.",
        runbook: "restorecheckfailed",
      },
    ],
    logs: [
      {
        alert: "LokiDown",
        expr: 'up{job="loki"} == 0 or absent(up{job="loki"})',
        for: "5m",
        severity: "warning",
        summary: "Loki is down",
        description: "Prometheus has not reached Loki for 5 minutes: logs are not stored or searchable.",
        runbook: "lokidown",
      },
      {
        alert: "AlloyDown",
        expr: 'up{job="alloy"} == 0 or absent(up{job="alloy"})',
        for: "5m",
        severity: "warning",
        summary: "Alloy is down",
        description: "Prometheus has not reached Grafana Alloy for 5 minutes: pod logs are not collected.",
        runbook: "alloydown",
      },
    ],
    platform: [
      {
        alert: "TargetDown",
        expr: "up == 0",
        for: "5m",
        severity: "warning",
        summary: "A scrape target is down",
        description: "Prometheus has not reached a target for 5 minutes.",
        runbook: "targetdown",
      },
      {
        alert: "PersistentVolumeFillingUp",
        expr:
          `kubelet_volume_stats_available_bytes{namespace=~"${ns}|${context.monitoringNamespace}"}` +
          ` / kubelet_volume_stats_capacity_bytes{namespace=~"${ns}|${context.monitoringNamespace}"} < ${t.volumeFreeRatio}`,
        for: "5m",
        severity: "warning",
        summary: "A persistent volume is almost full",
        description: `Less than ${percent(t.volumeFreeRatio)} of a persistent volume is free.`,
        runbook: "persistentvolumefillingup",
      },
      {
        alert: "NodeHighCpu",
        expr: `1 - avg by (instance) (rate(node_cpu_seconds_total{job="node",mode="idle"}[5m])) > ${t.nodeCpuRatio}`,
        for: "15m",
        severity: "warning",
        summary: "A node's CPU is saturated",
        description: `A node's CPUs are more than ${percent(t.nodeCpuRatio)} busy.`,
        runbook: "nodehighcpu",
      },
      {
        alert: "NodeHighMemory",
        expr: `1 - node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"} > ${t.nodeMemoryRatio}`,
        for: "10m",
        severity: "warning",
        summary: "A node is low on memory",
        description: `More than ${percent(t.nodeMemoryRatio)} of a node's memory is in use.`,
        runbook: "nodehighmemory",
      },
      {
        alert: "NodeDiskFilling",
        expr:
          `1 - node_filesystem_avail_bytes{job="node",fstype!~"tmpfs|overlay"}` +
          ` / node_filesystem_size_bytes{job="node",fstype!~"tmpfs|overlay"} > ${t.nodeDiskRatio}`,
        for: "10m",
        severity: "warning",
        summary: "A node's disk is filling up",
        description: `More than ${percent(t.nodeDiskRatio)} of a node's filesystem is used.`,
        runbook: "nodediskfilling",
      },
      {
        alert: "Watchdog",
        expr: "vector(1)",
        for: "0s",
        severity: "none",
        summary: "Alerting works",
        description: "Always firing: when it stops arriving, Prometheus or Alertmanager is broken.",
        runbook: "watchdog",
      },
    ],
  };
}

export interface RuleFileOptions {
  /** Drops every `for`, so rules fire on the first evaluation: for the local loop and live tests only. */
  readonly immediate?: boolean;
}

/** The rules as a Prometheus rule file (`groups:`), every alert labelled with severity and environment. */
export function toRuleFile(context: AlertRuleContext, options: RuleFileOptions = {}) {
  return {
    groups: Object.entries(alertRules(context)).map(([group, rules]) => ({
      name: `leadms-${group}`,
      rules: rules.map((rule) => ({
        alert: rule.alert,
        expr: rule.expr,
        ...(options.immediate || rule.for === "0s" ? {} : { for: rule.for }),
        labels: { severity: rule.severity, environment: context.environment },
        annotations: {
          summary: rule.summary,
          description: rule.description,
          runbook_url: `${context.runbookBaseUrl}#${rule.runbook}`,
        },
      })),
    })),
  };
}

/** The context the rules of a validated stack config are written for. */
export function alertRuleContext(config: {
  readonly stack: string;
  readonly namespace: string;
  readonly settings: StackSettings;
}): AlertRuleContext {
  return {
    environment: config.stack,
    namespace: config.namespace,
    monitoringNamespace: config.settings.monitoringNamespace,
    thresholds: config.settings.monitoring.thresholds,
    runbookBaseUrl: config.settings.monitoring.runbookBaseUrl,
  };
}
