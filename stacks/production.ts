import type { StackProfile } from "./profile.js";

/**
 * Production: several replicas spread across nodes, CPU autoscaling, disruption budgets, and managed
 * PostgreSQL and Redis outside the cluster (their endpoints come from the stack file).
 */
export const production: StackProfile = {
  backend: {
    replicas: 3,
    resources: { requests: { cpu: "250m", memory: "384Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    autoscaling: { minReplicas: 3, maxReplicas: 10, targetCpuUtilizationPercent: 70 },
    disruptionBudget: { maxUnavailable: 1 },
    deployment: { strategy: "rolling" },
    logLevel: "info",
    shutdownDelaySeconds: 10,
    shutdownTimeoutSeconds: 20,
  },
  frontend: {
    replicas: 2,
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
    autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpuUtilizationPercent: 75 },
    disruptionBudget: { maxUnavailable: 1 },
  },
  ingress: {
    className: "nginx",
    tls: { mode: "cert-manager", clusterIssuer: "letsencrypt-production" },
    controller: { namespace: "ingress-nginx", podLabels: { "app.kubernetes.io/name": "ingress-nginx" } },
  },
  postgres: { mode: "external", port: 5432, database: "leadms", user: "leadms", sslMode: "verify-full" },
  redis: { mode: "external", port: 6379, tls: true },
  backups: {
    schedule: "15 1 * * *",
    timeZone: "Etc/UTC",
    restoreCheckSchedule: "30 4 * * 0",
    retentionDays: 30,
    retentionCount: 30,
    storageSize: "40Gi",
    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "2", memory: "512Mi" } },
    deadlineSeconds: 7200,
  },
  monitoring: {
    scrapeInterval: "15s",
    prometheus: {
      retentionTime: "30d",
      retentionSize: "40GB",
      storageSize: "50Gi",
      resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } },
      remoteWrite: null,
    },
    alertmanager: {
      storageSize: "1Gi",
      resources: { requests: { cpu: "20m", memory: "48Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
    },
    exporters: {
      resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "96Mi" } },
    },
    kubeStateMetrics: {
      resources: { requests: { cpu: "20m", memory: "96Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
    },
    grafana: {
      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
      ingressPath: null,
    },
    loki: {
      retention: "720h",
      storageSize: "50Gi",
      resources: { requests: { cpu: "200m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
      ingestionRateMb: 10,
      ingestionBurstMb: 20,
      resultsCacheMb: 256,
      objectStorage: null,
    },
    alloy: {
      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    },
    nodeExporter: true,
    receivers: { slackChannel: "#leadms-alerts", page: true },
    thresholds: {
      http5xxRatio: 0.05,
      latencyP95Seconds: 1,
      authFailuresPerMinute: 30,
      postgresConnectionsRatio: 0.8,
      redisMemoryRatio: 0.9,
      backupMaxAgeHours: 26,
      volumeFreeRatio: 0.1,
      nodeCpuRatio: 0.9,
      nodeMemoryRatio: 0.9,
      nodeDiskRatio: 0.85,
    },
    runbookBaseUrl: "https://github.com/example/leadms/blob/main/docs/alerts.md",
  },
  quota: { cpu: "20", memory: "24Gi", pods: 60, storage: "50Gi", persistentVolumeClaims: 10 },
};
