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
  quota: { cpu: "4", memory: "6Gi", pods: 30, storage: "20Gi", persistentVolumeClaims: 6 },
};
