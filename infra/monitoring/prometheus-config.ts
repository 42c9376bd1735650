/** Files and ports the Prometheus pod and its scrape jobs agree on. */
export const PROMETHEUS_PORT = 9090;
export const RULES_DIR = "/etc/prometheus/rules";
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
export const REMOTE_WRITE_PASSWORD_FILE = "/etc/prometheus/secrets/remote-write-password";

/** How a job finds its targets in the cluster. */
type Discovery =
  /** Endpoints of a Service, keeping the port of the given name. */
  | { readonly kind: "service"; readonly namespace: string; readonly service: string; readonly port: string }
  /** Every node, at the given port of its address (node-exporter on the host network). */
  | { readonly kind: "node"; readonly port: number }
  /** Every node's kubelet, through the API server's node proxy, at the given path. */
  | { readonly kind: "kubelet"; readonly path: string }
  /** A fixed address (a Service's DNS name, or Prometheus itself). */
  | { readonly kind: "address"; readonly address: string };

interface Job {
  readonly name: string;
  readonly discovery: Discovery;
  readonly metricsPath?: string;
}

export interface PrometheusConfigOptions {
  /** The stack name, the `environment` external label. */
  readonly environment: string;
  readonly namespace: string;
  readonly monitoringNamespace: string;
  readonly scrapeInterval: string;
  readonly nodeExporter: boolean;
  readonly alertmanager: string;
  readonly remoteWrite: { readonly url: string; readonly username: string } | null;
  /**
   * Replaces every job's discovery by fixed targets, by job name: for promtool, whose Debian build has
   * no Kubernetes discovery, and for Prometheus run on loopback. Jobs without targets are left out.
   */
  readonly staticTargets?: Readonly<Record<string, readonly string[]>>;
  /** Where the rule files are; the cluster mounts them under RULES_DIR. */
  readonly ruleFiles?: readonly string[];
}

function jobs(options: PrometheusConfigOptions): Job[] {
  const inMonitoring = (service: string, port: number): Discovery => ({
    kind: "address",
    address: `${service}.${options.monitoringNamespace}.svc:${port}`,
  });
  return [
    {
      name: "backend",
      discovery: { kind: "service", namespace: options.namespace, service: "backend", port: "http" },
    },
    // nginx's stub_status, translated by the nginx-prometheus-exporter sidecar of each frontend pod.
    {
      name: "frontend",
      discovery: { kind: "service", namespace: options.namespace, service: "frontend", port: "metrics" },
    },
    { name: "postgres", discovery: inMonitoring("postgres-exporter", 9187) },
    { name: "redis", discovery: inMonitoring("redis-exporter", 9121) },
    { name: "kube-state-metrics", discovery: inMonitoring("kube-state-metrics", 8080) },
    ...(options.nodeExporter ? [{ name: "node", discovery: { kind: "node", port: 9100 } } as Job] : []),
    { name: "kubelet", discovery: { kind: "kubelet", path: "/metrics" } },
    // Container CPU, memory and network, from the kubelet's embedded cAdvisor.
    { name: "cadvisor", discovery: { kind: "kubelet", path: "/metrics/cadvisor" } },
    { name: "alertmanager", discovery: { kind: "address", address: options.alertmanager } },
    { name: "grafana", discovery: inMonitoring("grafana", 3000) },
    { name: "loki", discovery: inMonitoring("loki", 3100) },
    { name: "alloy", discovery: inMonitoring("alloy", 12345) },
    { name: "prometheus", discovery: { kind: "address", address: `localhost:${PROMETHEUS_PORT}` } },
  ];
}

const serviceAccountAuth = {
  scheme: "https",
  tls_config: { ca_file: `${SERVICE_ACCOUNT_DIR}/ca.crt` },
  authorization: { credentials_file: `${SERVICE_ACCOUNT_DIR}/token` },
};

function scrapeConfig(job: Job, options: PrometheusConfigOptions): Record<string, unknown> | undefined {
  const base = { job_name: job.name, ...(job.metricsPath ? { metrics_path: job.metricsPath } : {}) };
  if (options.staticTargets) {
    const targets = options.staticTargets[job.name];
    return targets && targets.length > 0 ? { ...base, static_configs: [{ targets }] } : undefined;
  }
  const { discovery } = job;
  switch (discovery.kind) {
    case "address":
      return { ...base, static_configs: [{ targets: [discovery.address] }] };
    case "service":
      return {
        ...base,
        kubernetes_sd_configs: [{ role: "endpoints", namespaces: { names: [discovery.namespace] } }],
        relabel_configs: [
          { source_labels: ["__meta_kubernetes_service_name"], regex: discovery.service, action: "keep" },
          { source_labels: ["__meta_kubernetes_endpoint_port_name"], regex: discovery.port, action: "keep" },
          { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
          { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
        ],
      };
    case "node":
      return {
        ...base,
        kubernetes_sd_configs: [{ role: "node" }],
        relabel_configs: [
          {
            source_labels: ["__address__"],
            regex: "(.+):\\d+",
            replacement: `$1:${discovery.port}`,
            target_label: "__address__",
          },
          { source_labels: ["__meta_kubernetes_node_name"], target_label: "node" },
        ],
      };
    case "kubelet":
      return {
        ...base,
        ...serviceAccountAuth,
        kubernetes_sd_configs: [{ role: "node" }],
        relabel_configs: [
          { target_label: "__address__", replacement: "kubernetes.default.svc:443" },
          {
            source_labels: ["__meta_kubernetes_node_name"],
            target_label: "__metrics_path__",
            replacement: `/api/v1/nodes/$1/proxy${discovery.path}`,
          },
          { source_labels: ["__meta_kubernetes_node_name"], target_label: "node" },
        ],
      };
  }
}

/** prometheus.yml of a stack, as an object for the YAML writer. */
export function prometheusConfig(options: PrometheusConfigOptions): Record<string, unknown> {
  return {
    global: {
      scrape_interval: options.scrapeInterval,
      evaluation_interval: options.scrapeInterval,
      // Every series and every alert leaving this Prometheus says which environment it is from.
      external_labels: { environment: options.environment },
    },
    rule_files: options.ruleFiles ?? [`${RULES_DIR}/*.yml`],
    alerting: {
      alertmanagers: [
        {
          static_configs: [{ targets: [options.staticTargets?.alertmanager?.[0] ?? options.alertmanager] }],
        },
      ],
    },
    scrape_configs: jobs(options)
      .map((job) => scrapeConfig(job, options))
      .filter((config) => config !== undefined),
    ...(options.remoteWrite
      ? {
          remote_write: [
            {
              url: options.remoteWrite.url,
              basic_auth: {
                username: options.remoteWrite.username,
                password_file: REMOTE_WRITE_PASSWORD_FILE,
              },
            },
          ],
        }
      : {}),
  };
}
