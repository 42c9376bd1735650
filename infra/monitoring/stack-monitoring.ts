import type { StackConfig } from "../config.js";
import { ALERTMANAGER_PORT, type AlertmanagerConfigOptions } from "./alertmanager-config.js";
import type { PrometheusConfigOptions } from "./prometheus-config.js";

/** The Prometheus settings of a validated stack config. */
export function prometheusOptions(config: StackConfig): PrometheusConfigOptions {
  const { monitoring } = config.settings;
  return {
    environment: config.stack,
    namespace: config.namespace,
    monitoringNamespace: config.settings.monitoringNamespace,
    scrapeInterval: monitoring.scrapeInterval,
    nodeExporter: monitoring.nodeExporter,
    alertmanager: `alertmanager.${config.settings.monitoringNamespace}.svc:${ALERTMANAGER_PORT}`,
    remoteWrite: monitoring.prometheus.remoteWrite,
  };
}

/** The Alertmanager settings of a validated stack config. */
export function alertmanagerOptions(config: StackConfig): AlertmanagerConfigOptions {
  const { receivers } = config.settings.monitoring;
  return {
    slackChannel: receivers.slackChannel,
    page: receivers.page,
    secrets: {
      slack: config.secrets.slackWebhookUrl !== undefined,
      pagerduty: config.secrets.pagerdutyRoutingKey !== undefined,
    },
  };
}
