import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input.js";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { StackSettings } from "../../config-schema.js";
import { recommendedLabels, selectorLabels } from "../../labels.js";
import { LOKI_PORT, LOKI_SECRET_ENV, lokiConfig } from "../../monitoring/loki-config.js";
import { declarePodNetworkPolicy, tcp, toAnyAddress } from "../network-policy.js";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../pod-security.js";
import { readWriteOnceClaim } from "../storage.js";

export const LOKI_IMAGE = "docker.io/grafana/loki:3.5.0";
const LOKI_UID = 10001;

export interface LokiArgs {
  readonly namespace: pulumi.Input<string>;
  readonly instance: string;
  readonly settings: StackSettings["monitoring"]["loki"];
  /** The S3 secret key, when the settings name object storage. */
  readonly secretAccessKey?: pulumi.Input<string>;
  /** Pods that push logs (Alloy), query them (Grafana) or scrape Loki (Prometheus). */
  readonly clients: inputs.networking.v1.NetworkPolicyPeer[];
}

/** Loki as one binary: a StatefulSet with the stack's volume, its config in a ConfigMap (checksum on the pod). */
export class Loki extends pulumi.ComponentResource {
  public readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:monitoring:Loki", name, {}, opts);
    const appLabels = { name: "loki", instance: args.instance, component: "monitoring" };
    const labels = recommendedLabels(appLabels);
    const selector = selectorLabels(appLabels);
    const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels });
    const { settings } = args;

    const file = stringify(lokiConfig(settings));
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: metadata("loki-config"), data: { "loki.yaml": file } },
      { parent: this },
    );
    const secret = args.secretAccessKey
      ? new k8s.core.v1.Secret(
          `${name}-object-storage`,
          {
            metadata: metadata("loki-object-storage"),
            type: "Opaque",
            stringData: { [LOKI_SECRET_ENV]: pulumi.secret(args.secretAccessKey) },
          },
          { parent: this },
        )
      : undefined;
    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: metadata("loki"),
        spec: { selector, ports: [{ name: "http", port: LOKI_PORT, targetPort: "http", protocol: "TCP" }] },
      },
      { parent: this },
    );
    const probe = (failureThreshold: number) => ({
      httpGet: { path: "/ready", port: "http" },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold,
    });
    new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: metadata("loki"),
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
              securityContext: restrictedPodSecurity(LOKI_UID),
              containers: [
                {
                  name: "loki",
                  image: LOKI_IMAGE,
                  imagePullPolicy: "IfNotPresent",
                  args: ["-config.file=/etc/loki/loki.yaml", "-config.expand-env=true", "-target=all"],
                  env: secret
                    ? [
                        {
                          name: LOKI_SECRET_ENV,
                          valueFrom: { secretKeyRef: { name: secret.metadata.name, key: LOKI_SECRET_ENV } },
                        },
                      ]
                    : [],
                  ports: [{ name: "http", containerPort: LOKI_PORT, protocol: "TCP" }],
                  resources: settings.resources,
                  startupProbe: probe(30),
                  readinessProbe: probe(3),
                  livenessProbe: {
                    ...probe(6),
                    httpGet: { path: "/loki/api/v1/status/buildinfo", port: "http" },
                  },
                  securityContext: restrictedContainerSecurity(LOKI_UID),
                  volumeMounts: [
                    {
                      name: "config",
                      mountPath: "/etc/loki/loki.yaml",
                      subPath: "loki.yaml",
                      readOnly: true,
                    },
                    { name: "data", mountPath: "/loki" },
                    { name: "tmp", mountPath: "/tmp" },
                  ],
                },
              ],
              volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
              ],
            },
          },
          volumeClaimTemplates: [{ metadata: { name: "data", labels }, spec: readWriteOnceClaim(settings) }],
        },
      },
      { parent: this },
    );
    declarePodNetworkPolicy(this, name, {
      metadata: metadata("loki"),
      selector,
      ingress: [{ from: args.clients, ports: tcp(LOKI_PORT) }],
      // Object storage over HTTPS, when configured; nothing otherwise.
      egress: settings.objectStorage ? [toAnyAddress(443)] : [],
    });
    this.serviceName = service.metadata.name;
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
