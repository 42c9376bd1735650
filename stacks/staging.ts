import type { StackProfile } from "./profile.js";

/**
 * Staging: one replica of each service, no autoscaling or disruption budgets, small in-cluster
 * PostgreSQL and Redis that can be thrown away.
 */
export const staging: StackProfile = {
  backend: {
    replicas: 1,
    resources: { requests: { cpu: "100m", memory: "192Mi" }, limits: { cpu: "500m", memory: "384Mi" } },
    autoscaling: null,
    disruptionBudget: null,
    deployment: { strategy: "rolling" },
    logLevel: "debug",
    shutdownDelaySeconds: 5,
    shutdownTimeoutSeconds: 15,
  },
  frontend: {
    replicas: 1,
    resources: { requests: { cpu: "25m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
    autoscaling: null,
    disruptionBudget: null,
  },
  ingress: {
    className: "nginx",
    tls: { mode: "cert-manager", clusterIssuer: "letsencrypt-staging" },
    controller: { namespace: "ingress-nginx", podLabels: { "app.kubernetes.io/name": "ingress-nginx" } },
  },
  postgres: {
    mode: "in-cluster",
    database: "leadms",
    storageSize: "5Gi",
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
  },
  redis: {
    mode: "in-cluster",
    storageSize: "1Gi",
    maxMemory: "100Mi",
    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "250m", memory: "192Mi" } },
  },
  backups: {
    schedule: "15 2 * * *",
    timeZone: "Etc/UTC",
    restoreCheckSchedule: "30 4 * * 0",
    retentionDays: 7,
    retentionCount: 7,
    storageSize: "5Gi",
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    deadlineSeconds: 1800,
  },
  monitoring: {
    scrapeInterval: "30s",
    prometheus: {
      retentionTime: "7d",
      retentionSize: "4GB",
      storageSize: "5Gi",
      resources: { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "500m", memory: "1Gi" } },
      remoteWrite: null,
    },
    alertmanager: {
      storageSize: "1Gi",
      resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
    },
    exporters: {
      resources: { requests: { cpu: "10m", memory: "24Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
    },
    kubeStateMetrics: {
      resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
    },
    grafana: {
      resources: { requests: { cpu: "25m", memory: "96Mi" }, limits: { cpu: "250m", memory: "192Mi" } },
      ingressPath: "/grafana",
    },
    loki: {
      retention: "168h",
      storageSize: "5Gi",
      resources: { requests: { cpu: "50m", memory: "192Mi" }, limits: { cpu: "500m", memory: "384Mi" } },
      ingestionRateMb: 4,
      ingestionBurstMb: 8,
      resultsCacheMb: 64,
      objectStorage: null,
    },
    alloy: {
      resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
    },
    nodeExporter: true,
    receivers: { slackChannel: "#leadms-staging", page: false },
    thresholds: {
      http5xxRatio: 0.1,
      latencyP95Seconds: 2,
      authFailuresPerMinute: 60,
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
  quota: { cpu: "4", memory: "6Gi", pods: 30, storage: "20Gi", persistentVolumeClaims: 6 },
};
