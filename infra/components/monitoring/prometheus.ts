import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input.js";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { StackSettings } from "../../config-schema.js";
import { recommendedLabels, selectorLabels } from "../../labels.js";
import {
  PROMETHEUS_PORT,
  REMOTE_WRITE_PASSWORD_FILE,
  RULES_DIR,
} from "../../monitoring/prometheus-config.js";
import { declarePodNetworkPolicy, tcp } from "../network-policy.js";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../pod-security.js";
import { readWriteOnceClaim } from "../storage.js";

export const PROMETHEUS_IMAGE = "quay.io/prometheus/prometheus:v2.55.1";
const NOBODY = 65534;

export interface PrometheusArgs {
  readonly namespace: pulumi.Input<string>;
  readonly instance: string;
  readonly settings: StackSettings["monitoring"]["prometheus"];
  /** prometheus.yml and the rule file, as objects for the YAML writer. */
  readonly config: Record<string, unknown>;
  readonly rules: Record<string, unknown>;
  /** Namespaces whose Services, endpoints and pods service discovery reads (a Role in each). */
  readonly discoveryNamespaces: string[];
  readonly remoteWritePassword?: pulumi.Input<string>;
  /** Where Prometheus connects: scrape targets, the API server, Alertmanager, remote storage. */
  readonly egress: pulumi.Input<inputs.networking.v1.NetworkPolicyEgressRule>[];
  /** Pods allowed to query it (Grafana). */
  readonly queriers: inputs.networking.v1.NetworkPolicyPeer[];
}

/**
 * One Prometheus: a StatefulSet with a persistent volume, its configuration and rules in ConfigMaps
 * (their checksum on the pod, so a change rolls it), and RBAC for service discovery only: read access to
 * Services, endpoints and pods in the namespaces it watches, and to nodes and the kubelet proxy.
 */
export class Prometheus extends pulumi.ComponentResource {
  public readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:monitoring:Prometheus", name, {}, opts);
    const appLabels = { name: "prometheus", instance: args.instance, component: "monitoring" };
    const labels = recommendedLabels(appLabels);
    const selector = selectorLabels(appLabels);
    const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels });
    const { settings } = args;

    const files = { "prometheus.yml": stringify(args.config), "leadms.yml": stringify(args.rules) };
    const checksum = createHash("sha256").update(JSON.stringify(files)).digest("hex");
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: metadata("prometheus-config"), data: { "prometheus.yml": files["prometheus.yml"] } },
      { parent: this },
    );
    const rules = new k8s.core.v1.ConfigMap(
      `${name}-rules`,
      { metadata: metadata("prometheus-rules"), data: { "leadms.yml": files["leadms.yml"] } },
      { parent: this },
    );
    const remoteWriteSecret = args.remoteWritePassword
      ? new k8s.core.v1.Secret(
          `${name}-remote-write`,
          {
            metadata: metadata("prometheus-remote-write"),
            type: "Opaque",
            stringData: { "remote-write-password": pulumi.secret(args.remoteWritePassword) },
          },
          { parent: this },
        )
      : undefined;

    // Service discovery reads; nothing else. The token is mounted because discovery needs it.
    const account = new k8s.core.v1.ServiceAccount(
      `${name}-service-account`,
      { metadata: metadata("prometheus"), automountServiceAccountToken: true },
      { parent: this },
    );
    const read = ["get", "list", "watch"];
    const clusterRole = new k8s.rbac.v1.ClusterRole(
      `${name}-nodes`,
      {
        metadata: { name: `prometheus-${args.instance}`, labels },
        rules: [
          { apiGroups: [""], resources: ["nodes"], verbs: read },
          { apiGroups: [""], resources: ["nodes/proxy", "nodes/metrics"], verbs: ["get"] },
        ],
      },
      { parent: this },
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-nodes`,
      {
        metadata: { name: `prometheus-${args.instance}`, labels },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: clusterRole.metadata.name,
        },
        subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
      },
      { parent: this },
    );
    for (const namespace of args.discoveryNamespaces) {
      const role = new k8s.rbac.v1.Role(
        `${name}-discovery-${namespace}`,
        {
          metadata: { name: "prometheus-discovery", namespace, labels },
          rules: [
            { apiGroups: [""], resources: ["services", "endpoints", "pods"], verbs: read },
            { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: read },
          ],
        },
        { parent: this },
      );
      new k8s.rbac.v1.RoleBinding(
        `${name}-discovery-${namespace}`,
        {
          metadata: { name: "prometheus-discovery", namespace, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
        },
        { parent: this },
      );
    }

    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: metadata("prometheus"),
        spec: {
          selector,
          ports: [{ name: "http", port: PROMETHEUS_PORT, targetPort: "http", protocol: "TCP" }],
        },
      },
      { parent: this },
    );
    const probe = (path: string, failureThreshold: number) => ({
      httpGet: { path, port: "http" },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold,
    });
    new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: metadata("prometheus"),
        spec: {
          serviceName: service.metadata.name,
          replicas: 1,
          selector: { matchLabels: selector },
          template: {
            metadata: { labels, annotations: { "leadms.io/config-checksum": checksum } },
            spec: {
              serviceAccountName: account.metadata.name,
              automountServiceAccountToken: true,
              securityContext: restrictedPodSecurity(NOBODY),
              terminationGracePeriodSeconds: 120,
              containers: [
                {
                  name: "prometheus",
                  image: PROMETHEUS_IMAGE,
                  imagePullPolicy: "IfNotPresent",
                  args: [
                    "--config.file=/etc/prometheus/prometheus.yml",
                    "--storage.tsdb.path=/prometheus",
                    `--storage.tsdb.retention.time=${settings.retentionTime}`,
                    `--storage.tsdb.retention.size=${settings.retentionSize}`,
                    `--web.listen-address=:${PROMETHEUS_PORT}`,
                  ],
                  ports: [{ name: "http", containerPort: PROMETHEUS_PORT, protocol: "TCP" }],
                  resources: settings.resources,
                  startupProbe: probe("/-/ready", 60),
                  readinessProbe: probe("/-/ready", 3),
                  livenessProbe: probe("/-/healthy", 6),
                  securityContext: restrictedContainerSecurity(NOBODY),
                  volumeMounts: [
                    {
                      name: "config",
                      mountPath: "/etc/prometheus/prometheus.yml",
                      subPath: "prometheus.yml",
                      readOnly: true,
                    },
                    { name: "rules", mountPath: RULES_DIR, readOnly: true },
                    { name: "data", mountPath: "/prometheus" },
                    ...(remoteWriteSecret
                      ? [
                          {
                            name: "remote-write",
                            mountPath: REMOTE_WRITE_PASSWORD_FILE.replace(/\/[^/]+$/, ""),
                            readOnly: true,
                          },
                        ]
                      : []),
                  ],
                },
              ],
              volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                { name: "rules", configMap: { name: rules.metadata.name } },
                ...(remoteWriteSecret
                  ? [{ name: "remote-write", secret: { secretName: remoteWriteSecret.metadata.name } }]
                  : []),
              ],
            },
          },
          volumeClaimTemplates: [{ metadata: { name: "data", labels }, spec: readWriteOnceClaim(settings) }],
        },
      },
      { parent: this },
    );
    declarePodNetworkPolicy(this, name, {
      metadata: metadata("prometheus"),
      selector,
      ingress: [{ from: args.queriers, ports: tcp(PROMETHEUS_PORT) }],
      egress: args.egress,
    });

    this.serviceName = service.metadata.name;
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
