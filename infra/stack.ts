import type * as inputs from "@pulumi/kubernetes/types/input.js";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_NGINX, nginxConfig } from "../app/frontend/nginx-config.js";
import { ApiToken } from "./components/api-token.js";
import { Images } from "./components/images.js";
import { EnvironmentNamespace } from "./components/namespace.js";
import { tcp } from "./components/network-policy.js";
import { restrictedContainerSecurity } from "./components/pod-security.js";
import { Postgres } from "./components/postgres.js";
import { PostgresBackup } from "./components/postgres-backup.js";
import { PublicIngress } from "./components/public-ingress.js";
import { Redis } from "./components/redis.js";
import { WebService } from "./components/web-service.js";
import type { StackConfig } from "./config.js";
import type { ResourceSettings } from "./config-schema.js";
import { pods } from "./labels.js";
import { declareMonitoring } from "./monitoring-stack.js";

const BACKEND_PORT = 3000;
const NGINX_EXPORTER_PORT = 9113;
const FRONTEND_PORT = CONTAINER_NGINX.listenPort;
/** Seconds of SIGKILL margin beyond the backend's own shutdown delay and drain timeout. */
const GRACE_MARGIN_SECONDS = 5;

/** Translates nginx's stub_status (on the pod's loopback) into Prometheus metrics, beside nginx. */
function nginxExporter(resources: ResourceSettings): inputs.core.v1.Container {
  const probe = { tcpSocket: { port: "metrics" }, periodSeconds: 30, timeoutSeconds: 5 };
  return {
    name: "nginx-exporter",
    image: "docker.io/nginx/nginx-prometheus-exporter:1.3.0",
    imagePullPolicy: "IfNotPresent",
    args: [
      `--nginx.scrape-uri=http://127.0.0.1:${CONTAINER_NGINX.statusPort}/stub_status`,
      `--web.listen-address=:${NGINX_EXPORTER_PORT}`,
    ],
    ports: [{ name: "metrics", containerPort: NGINX_EXPORTER_PORT, protocol: "TCP" }],
    resources,
    readinessProbe: probe,
    livenessProbe: probe,
    securityContext: restrictedContainerSecurity(65534),
  };
}

/** What an operator needs after `pulumi up`: where things are and the commands to look at them. */
export interface StackOutputs {
  readonly namespace: pulumi.Output<string>;
  readonly services: { readonly backend: pulumi.Output<string>; readonly frontend: pulumi.Output<string> };
  readonly urls: { readonly statusPage: pulumi.Output<string>; readonly api: pulumi.Output<string> };
  readonly images: { readonly backend: pulumi.Output<string>; readonly frontend: pulumi.Output<string> };
  readonly commands: Readonly<Record<string, string>>;
}

/** Declares one environment from its validated config. */
export function declareStack(config: StackConfig): StackOutputs {
  const { settings, stack } = config;
  const namespace = new EnvironmentNamespace("environment", {
    name: config.namespace,
    instance: stack,
    quota: settings.quota,
  }).name;
  const images = new Images("images", {
    settings: settings.images,
    registryPassword: config.secrets.registryPassword,
  });

  const backendPods = [pods("backend")];
  const postgres = new Postgres("postgres", {
    namespace,
    instance: stack,
    settings: settings.postgres,
    password: config.secrets.postgresPassword,
    clients: [
      ...backendPods,
      pods("postgres-backup"),
      pods("postgres-exporter", settings.monitoringNamespace),
    ],
  });
  new PostgresBackup("postgres-backup", {
    namespace,
    instance: stack,
    settings: settings.backups,
    credentialsSecret: postgres.secretName,
    databaseEgress: postgres.clientEgress,
  });
  const redis = new Redis("redis", {
    namespace,
    instance: stack,
    settings: settings.redis,
    password: config.secrets.redisPassword,
    clients: [...backendPods, pods("redis-exporter", settings.monitoringNamespace)],
  });
  const apiToken = new ApiToken("api-token", {
    namespace,
    labels: { name: "backend", instance: stack, component: "api" },
    token: config.secrets.apiToken,
  });

  const ingressController = {
    namespaceSelector: {
      matchLabels: { "kubernetes.io/metadata.name": settings.ingress.controller.namespace },
    },
    podSelector: { matchLabels: settings.ingress.controller.podLabels },
  };
  const prometheus = pods("prometheus", settings.monitoringNamespace);
  const secretEnv = (name: string, secret: pulumi.Output<string>, key = name) => ({
    name,
    valueFrom: { secretKeyRef: { name: secret, key } },
  });

  const { backend: backendSettings } = settings;
  const rollout = backendSettings.deployment;
  // Blue-green: each colour runs its own image, the release image where none is set yet.
  const colors =
    rollout.strategy === "blue-green"
      ? {
          active: rollout.active,
          images: {
            blue: rollout.images.blue ?? images.backend,
            green: rollout.images.green ?? images.backend,
          },
        }
      : undefined;
  const backend = new WebService("backend", {
    namespace,
    labels: { name: "backend", instance: stack, component: "api" },
    image: images.backend,
    colors,
    port: BACKEND_PORT,
    settings: backendSettings,
    probes: { startup: "/ping", readiness: "/health/ready", liveness: "/health/live" },
    runAsUser: 10001,
    terminationGracePeriodSeconds:
      backendSettings.shutdownDelaySeconds + backendSettings.shutdownTimeoutSeconds + GRACE_MARGIN_SECONDS,
    env: [
      { name: "HOST", value: "0.0.0.0" },
      { name: "PORT", value: String(BACKEND_PORT) },
      { name: "LOG_LEVEL", value: backendSettings.logLevel },
      { name: "REDIS_KEY_PREFIX", value: `leadms:${stack}:` },
      { name: "SHUTDOWN_DELAY_MS", value: String(backendSettings.shutdownDelaySeconds * 1000) },
      { name: "SHUTDOWN_TIMEOUT_MS", value: String(backendSettings.shutdownTimeoutSeconds * 1000) },
      secretEnv("DATABASE_URL", postgres.secretName),
      secretEnv("REDIS_URL", redis.secretName),
      secretEnv("API_TOKEN", apiToken.secretName),
    ],
    allowFrom: [ingressController, pods("frontend")],
    metrics: { path: "/metrics", allowFrom: [prometheus] },
    egress: [postgres.clientEgress, redis.clientEgress],
  });

  const frontend = new WebService(
    "frontend",
    {
      namespace,
      labels: { name: "frontend", instance: stack, component: "web" },
      image: images.frontend,
      port: FRONTEND_PORT,
      settings: settings.frontend,
      probes: { startup: "/healthz", readiness: "/healthz", liveness: "/healthz" },
      runAsUser: 101,
      // nginx stops at once on SIGTERM: the pause lets endpoints drop the pod before it does.
      preStopSleepSeconds: 5,
      terminationGracePeriodSeconds: 15,
      allowFrom: [ingressController],
      metrics: { path: "/metrics", port: NGINX_EXPORTER_PORT, allowFrom: [prometheus] },
      sidecars: [nginxExporter(settings.monitoring.exporters.resources)],
      egress: [{ to: backendPods, ports: tcp(BACKEND_PORT) }],
      configFile: {
        fileName: "nginx.conf",
        content: nginxConfig(CONTAINER_NGINX),
        mountPath: "/etc/nginx/nginx.conf",
      },
    },
    // nginx resolves the backend Service's name when it starts.
    { dependsOn: [backend] },
  );

  const ingress = new PublicIngress("public", {
    namespace,
    labels: { name: "leadms", instance: stack, component: "ingress" },
    settings: settings.ingress,
    frontendService: frontend.serviceName,
    backendService: backend.serviceName,
    maxBodySize: "64k",
  });

  declareMonitoring(config, { postgres, redis }, ingressController);

  const ns = config.namespace;
  const serving = `deployment/${backend.deploymentName}`;
  return {
    namespace,
    services: { backend: backend.serviceName, frontend: frontend.serviceName },
    urls: { statusPage: ingress.url, api: pulumi.interpolate`${ingress.url}/api` },
    images: { backend: images.backend, frontend: images.frontend },
    commands: {
      pods: `kubectl -n ${ns} get pods -l app.kubernetes.io/part-of=leadms`,
      rolloutStatus: `kubectl -n ${ns} rollout status ${serving} && kubectl -n ${ns} rollout status deployment/frontend`,
      backendLogs: `kubectl -n ${ns} logs ${serving} -f`,
      healthReport:
        `kubectl -n ${ns} exec ${serving} -- ` +
        `node -e "fetch('http://127.0.0.1:3000/health').then((r) => r.text()).then(console.log)"`,
      apiToken: `kubectl -n ${ns} get secret backend-api -o jsonpath='{.data.API_TOKEN}' | base64 -d`,
      backupNow: `scripts/backup-now.sh ${stack}`,
      prometheus: `kubectl -n ${settings.monitoringNamespace} port-forward service/prometheus 9090`,
      alertmanager: `kubectl -n ${settings.monitoringNamespace} port-forward service/alertmanager 9093`,
      grafana: `kubectl -n ${settings.monitoringNamespace} port-forward service/grafana 3000`,
      grafanaPassword: `kubectl -n ${settings.monitoringNamespace} get secret grafana-admin -o jsonpath='{.data.admin-password}' | base64 -d`,
      restoreCheckNow: `kubectl -n ${ns} create job --from=cronjob/postgres-restore-check postgres-restore-check-manual-$(date +%s)`,
      databasePassword: `kubectl -n ${ns} get secret postgres-credentials -o jsonpath='{.data.PGPASSWORD}' | base64 -d`,
    },
  };
}
