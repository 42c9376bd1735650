import type * as inputs from "@pulumi/kubernetes/types/input.js";
import type * as pulumi from "@pulumi/pulumi";
import { Alertmanager } from "./components/monitoring/alertmanager.js";
import { Alloy } from "./components/monitoring/alloy.js";
import { Exporter } from "./components/monitoring/exporter.js";
import { Grafana } from "./components/monitoring/grafana.js";
import { KubeStateMetrics } from "./components/monitoring/kube-state-metrics.js";
import { Loki } from "./components/monitoring/loki.js";
import { NodeExporter } from "./components/monitoring/node-exporter.js";
import { Prometheus } from "./components/monitoring/prometheus.js";
import { EnvironmentNamespace } from "./components/namespace.js";
import { tcp, toAnyAddress } from "./components/network-policy.js";
import type { StackConfig } from "./config.js";
import { pods } from "./labels.js";
import { alertRuleContext, toRuleFile } from "./monitoring/alert-rules.js";
import { ALERTMANAGER_PORT, alertmanagerConfig } from "./monitoring/alertmanager-config.js";
import { alloyConfig, lokiPushUrl } from "./monitoring/alloy-config.js";
import { dashboards } from "./monitoring/dashboards.js";
import { LOKI_PORT } from "./monitoring/loki-config.js";
import { PROMETHEUS_PORT, prometheusConfig } from "./monitoring/prometheus-config.js";
import { alertmanagerOptions, prometheusOptions } from "./monitoring/stack-monitoring.js";

type Peer = inputs.networking.v1.NetworkPolicyPeer;
type EgressRule = inputs.networking.v1.NetworkPolicyEgressRule;

/** An egress rule written for the application namespace, made to work from another namespace. */
function fromOtherNamespace(rule: EgressRule, namespace: string): EgressRule {
  const to = (rule.to ?? []) as Peer[];
  const inNamespace = { matchLabels: { "kubernetes.io/metadata.name": namespace } };
  return {
    ...rule,
    to: to.map((peer) =>
      peer.podSelector && !peer.namespaceSelector
        ? { namespaceSelector: inNamespace, podSelector: peer.podSelector }
        : peer,
    ),
  };
}

export interface MonitoredStores {
  readonly postgres: { readonly connectionUrl: pulumi.Output<string>; readonly clientEgress: EgressRule };
  readonly redis: { readonly connectionUrl: pulumi.Output<string>; readonly clientEgress: EgressRule };
}

/**
 * The alerting half of the monitoring stack, in `leadms-<stack>-monitoring`: Prometheus, Alertmanager,
 * the exporters and kube-state-metrics, and node-exporter in its own namespace where the stack runs it.
 */
export function declareMonitoring(
  config: StackConfig,
  stores: MonitoredStores,
  ingressController: Peer,
): void {
  const { settings, stack } = config;
  const { monitoring } = settings;
  const namespaceName = settings.monitoringNamespace;
  const namespace = new EnvironmentNamespace("monitoring", {
    name: namespaceName,
    instance: stack,
    component: "monitoring",
  }).name;
  const prometheusPods = [pods("prometheus")];

  const exporter = (
    name: string,
    image: string,
    port: number,
    secretEnv: Record<string, pulumi.Input<string>>,
    egress: EgressRule,
  ) =>
    new Exporter(name, {
      namespace,
      instance: stack,
      name,
      image,
      port,
      secretEnv,
      resources: monitoring.exporters.resources,
      scrapers: prometheusPods,
      egress: [fromOtherNamespace(egress, config.namespace)],
    });
  exporter(
    "postgres-exporter",
    "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
    9187,
    { DATA_SOURCE_NAME: stores.postgres.connectionUrl },
    stores.postgres.clientEgress,
  );
  exporter(
    "redis-exporter",
    "quay.io/oliver006/redis_exporter:v1.62.0",
    9121,
    { REDIS_ADDR: stores.redis.connectionUrl },
    stores.redis.clientEgress,
  );
  new KubeStateMetrics("kube-state-metrics", {
    namespace,
    instance: stack,
    watchedNamespaces: [config.namespace, namespaceName],
    resources: monitoring.kubeStateMetrics.resources,
    scrapers: prometheusPods,
  });
  if (monitoring.nodeExporter) {
    new NodeExporter("node-exporter", {
      namespace: `leadms-${stack}-node-exporter`,
      instance: stack,
      resources: monitoring.exporters.resources,
    });
  }

  new Alertmanager("alertmanager", {
    namespace,
    instance: stack,
    settings: monitoring.alertmanager,
    config: alertmanagerConfig(alertmanagerOptions(config)),
    slackWebhookUrl: config.secrets.slackWebhookUrl,
    pagerdutyRoutingKey: config.secrets.pagerdutyRoutingKey,
    senders: prometheusPods,
  });
  new Prometheus("prometheus", {
    namespace,
    instance: stack,
    settings: monitoring.prometheus,
    config: prometheusConfig(prometheusOptions(config)),
    rules: toRuleFile(alertRuleContext(config)),
    discoveryNamespaces: [config.namespace, namespaceName],
    remoteWritePassword: config.secrets.remoteWritePassword,
    egress: [
      // The backend and the frontend's nginx exporter.
      { to: [pods("backend", config.namespace), pods("frontend", config.namespace)], ports: tcp(3000, 9113) },
      // The exporters and Alertmanager beside it.
      { to: [{ podSelector: {} }], ports: tcp(9187, 9121, 8080, 9093, 3000, 3100, 12345) },
      // The API server (discovery, the kubelets' proxy), node-exporter on the nodes, remote storage.
      toAnyAddress(443, 6443, 9100),
    ],
    queriers: [pods("grafana")],
  });

  const local = (service: string, port: number) => `http://${service}.${namespaceName}.svc:${port}`;
  new Loki("loki", {
    namespace,
    instance: stack,
    settings: monitoring.loki,
    secretAccessKey: config.secrets.lokiSecretAccessKey,
    clients: [pods("alloy"), pods("grafana"), ...prometheusPods],
  });
  const watched = [config.namespace, namespaceName];
  new Alloy("alloy", {
    namespace,
    instance: stack,
    config: alloyConfig({ namespaces: watched, lokiUrl: lokiPushUrl(`loki.${namespaceName}.svc`) }),
    watchedNamespaces: watched,
    resources: monitoring.alloy.resources,
    scrapers: prometheusPods,
    loki: pods("loki"),
  });
  new Grafana("grafana", {
    namespace,
    instance: stack,
    settings: monitoring.grafana,
    dashboards: dashboards({ namespace: config.namespace, environment: stack }),
    datasources: {
      prometheus: local("prometheus", PROMETHEUS_PORT),
      loki: local("loki", LOKI_PORT),
      alertmanager: local("alertmanager", ALERTMANAGER_PORT),
    },
    ingress: settings.ingress,
    ingressController,
    egress: [
      {
        to: [pods("prometheus"), pods("loki"), pods("alertmanager")],
        ports: tcp(PROMETHEUS_PORT, LOKI_PORT, ALERTMANAGER_PORT),
      },
    ],
    scrapers: prometheusPods,
  });
}
