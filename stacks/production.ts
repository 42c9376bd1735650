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
  quota: { cpu: "20", memory: "24Gi", pods: 60, storage: "50Gi", persistentVolumeClaims: 10 },
};
