import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input.js";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { StackSettings } from "../../config-schema.js";
import { recommendedLabels, selectorLabels } from "../../labels.js";
import {
  ALERTMANAGER_PORT,
  PAGERDUTY_KEY,
  RECEIVER_SECRETS_DIR,
  SLACK_URL_KEY,
} from "../../monitoring/alertmanager-config.js";
import { declarePodNetworkPolicy, tcp, toAnyAddress } from "../network-policy.js";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../pod-security.js";
import { readWriteOnceClaim } from "../storage.js";

export const ALERTMANAGER_IMAGE = "quay.io/prometheus/alertmanager:v0.27.0";
const NOBODY = 65534;

export interface AlertmanagerArgs {
  readonly namespace: pulumi.Input<string>;
  readonly instance: string;
  readonly settings: StackSettings["monitoring"]["alertmanager"];
  /** alertmanager.yml, as an object for the YAML writer. */
  readonly config: Record<string, unknown>;
  /** The receivers' secrets from the stack config; mounted as files the configuration names. */
  readonly slackWebhookUrl?: pulumi.Input<string>;
  readonly pagerdutyRoutingKey?: pulumi.Input<string>;
  /** Pods that send alerts (Prometheus). */
  readonly senders: inputs.networking.v1.NetworkPolicyPeer[];
}

/**
 * One Alertmanager: a StatefulSet with a small volume for silences and notification state, its
 * configuration in a ConfigMap (checksum on the pod) and the receivers' URL and key in a Secret mounted
 * as files, so neither ever appears in the configuration.
 */
export class Alertmanager extends pulumi.ComponentResource {
  public readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:monitoring:Alertmanager", name, {}, opts);
    const appLabels = { name: "alertmanager", instance: args.instance, component: "monitoring" };
    const labels = recommendedLabels(appLabels);
    const selector = selectorLabels(appLabels);
    const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels });

    const file = stringify(args.config);
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: metadata("alertmanager-config"), data: { "alertmanager.yml": file } },
      { parent: this },
    );
    const receiverSecrets: Record<string, pulumi.Input<string>> = {};
    if (args.slackWebhookUrl) receiverSecrets[SLACK_URL_KEY] = pulumi.secret(args.slackWebhookUrl);
    if (args.pagerdutyRoutingKey) receiverSecrets[PAGERDUTY_KEY] = pulumi.secret(args.pagerdutyRoutingKey);
    const secret = new k8s.core.v1.Secret(
      `${name}-receivers`,
      { metadata: metadata("alertmanager-receivers"), type: "Opaque", stringData: receiverSecrets },
      { parent: this },
    );

    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: metadata("alertmanager"),
        spec: {
          selector,
          ports: [{ name: "http", port: ALERTMANAGER_PORT, targetPort: "http", protocol: "TCP" }],
        },
      },
      { parent: this },
    );
    const probe = (path: string) => ({
      httpGet: { path, port: "http" },
      periodSeconds: 10,
      timeoutSeconds: 3,
    });
    new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: metadata("alertmanager"),
        spec: {
          serviceName: service.metadata.name,
          replicas: 1,
          selector: { matchLabels: selector },
          template: {
            metadata: {
              labels,
              annotations: { "leadms.io/config-checksum": createHash("sha256").update(file).digest("hex") },
            },
            spec: {
              automountServiceAccountToken: false,
              securityContext: restrictedPodSecurity(NOBODY),
              containers: [
                {
                  name: "alertmanager",
                  image: ALERTMANAGER_IMAGE,
                  imagePullPolicy: "IfNotPresent",
                  args: [
                    "--config.file=/etc/alertmanager/alertmanager.yml",
                    "--storage.path=/alertmanager",
                    `--web.listen-address=:${ALERTMANAGER_PORT}`,
                    // A single instance: no gossip cluster.
                    "--cluster.listen-address=",
                  ],
                  ports: [{ name: "http", containerPort: ALERTMANAGER_PORT, protocol: "TCP" }],
                  resources: args.settings.resources,
                  readinessProbe: probe("/-/ready"),
                  livenessProbe: { ...probe("/-/healthy"), failureThreshold: 6 },
                  securityContext: restrictedContainerSecurity(NOBODY),
                  volumeMounts: [
                    {
                      name: "config",
                      mountPath: "/etc/alertmanager/alertmanager.yml",
                      subPath: "alertmanager.yml",
                      readOnly: true,
                    },
                    { name: "receivers", mountPath: RECEIVER_SECRETS_DIR, readOnly: true },
                    { name: "data", mountPath: "/alertmanager" },
                  ],
                },
              ],
              volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                { name: "receivers", secret: { secretName: secret.metadata.name } },
              ],
            },
          },
          volumeClaimTemplates: [
            { metadata: { name: "data", labels }, spec: readWriteOnceClaim(args.settings) },
          ],
        },
      },
      { parent: this },
    );
    declarePodNetworkPolicy(this, name, {
      metadata: metadata("alertmanager"),
      selector,
      ingress: [{ from: args.senders, ports: tcp(ALERTMANAGER_PORT) }],
      // Slack and PagerDuty, over HTTPS.
      egress: [toAnyAddress(443)],
    });

    this.serviceName = service.metadata.name;
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
