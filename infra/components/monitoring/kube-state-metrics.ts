import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input.js";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceSettings } from "../../config-schema.js";
import { recommendedLabels, selectorLabels } from "../../labels.js";
import { declarePodNetworkPolicy, TO_API_SERVER, tcp } from "../network-policy.js";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../pod-security.js";

export const KUBE_STATE_METRICS_IMAGE = "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0";
const NOBODY = 65534;
/** Namespaced kinds whose state the alerts read (jobs, cronjobs, pods...), listed in each watched namespace. */
const NAMESPACED = {
  "": ["pods", "persistentvolumeclaims", "services"],
  apps: ["deployments", "statefulsets", "daemonsets"],
  batch: ["jobs", "cronjobs"],
  autoscaling: ["horizontalpodautoscalers"],
  policy: ["poddisruptionbudgets"],
};

export interface KubeStateMetricsArgs {
  readonly namespace: pulumi.Input<string>;
  readonly instance: string;
  /** The namespaces it reports on; it gets list and watch there, and on nodes. */
  readonly watchedNamespaces: string[];
  readonly resources: ResourceSettings;
  readonly scrapers: inputs.networking.v1.NetworkPolicyPeer[];
}

/**
 * kube-state-metrics limited to the stack's namespaces (and nodes): the Kubernetes object state the
 * backup, crash-loop and volume alerts read.
 */
export class KubeStateMetrics extends pulumi.ComponentResource {
  constructor(name: string, args: KubeStateMetricsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:monitoring:KubeStateMetrics", name, {}, opts);
    const appLabels = { name: "kube-state-metrics", instance: args.instance, component: "monitoring" };
    const labels = recommendedLabels(appLabels);
    const selector = selectorLabels(appLabels);
    const metadata = { name: "kube-state-metrics", namespace: args.namespace, labels };
    const read = ["list", "watch"];

    const account = new k8s.core.v1.ServiceAccount(
      `${name}-service-account`,
      { metadata, automountServiceAccountToken: true },
      { parent: this },
    );
    const subjects = [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }];
    const clusterRole = new k8s.rbac.v1.ClusterRole(
      `${name}-nodes`,
      {
        metadata: { name: `kube-state-metrics-${args.instance}`, labels },
        rules: [{ apiGroups: [""], resources: ["nodes"], verbs: read }],
      },
      { parent: this },
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-nodes`,
      {
        metadata: { name: `kube-state-metrics-${args.instance}`, labels },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: clusterRole.metadata.name,
        },
        subjects,
      },
      { parent: this },
    );
    for (const namespace of args.watchedNamespaces) {
      const role = new k8s.rbac.v1.Role(
        `${name}-${namespace}`,
        {
          metadata: { name: "kube-state-metrics", namespace, labels },
          rules: Object.entries(NAMESPACED).map(([apiGroup, resources]) => ({
            apiGroups: [apiGroup],
            resources,
            verbs: read,
          })),
        },
        { parent: this },
      );
      new k8s.rbac.v1.RoleBinding(
        `${name}-${namespace}`,
        {
          metadata: { name: "kube-state-metrics", namespace, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects,
        },
        { parent: this },
      );
    }

    const resources = ["nodes", ...Object.values(NAMESPACED).flat()].sort().join(",");
    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata,
        spec: {
          replicas: 1,
          revisionHistoryLimit: 3,
          selector: { matchLabels: selector },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: account.metadata.name,
              automountServiceAccountToken: true,
              securityContext: restrictedPodSecurity(NOBODY),
              containers: [
                {
                  name: "kube-state-metrics",
                  image: KUBE_STATE_METRICS_IMAGE,
                  imagePullPolicy: "IfNotPresent",
                  args: [
                    `--resources=${resources}`,
                    `--namespaces=${args.watchedNamespaces.join(",")}`,
                    "--port=8080",
                    "--telemetry-port=8081",
                  ],
                  ports: [
                    { name: "metrics", containerPort: 8080, protocol: "TCP" },
                    { name: "telemetry", containerPort: 8081, protocol: "TCP" },
                  ],
                  resources: args.resources,
                  readinessProbe: {
                    httpGet: { path: "/readyz", port: "telemetry" },
                    periodSeconds: 10,
                    timeoutSeconds: 5,
                  },
                  livenessProbe: {
                    httpGet: { path: "/livez", port: "metrics" },
                    periodSeconds: 10,
                    timeoutSeconds: 5,
                  },
                  securityContext: restrictedContainerSecurity(NOBODY),
                },
              ],
            },
          },
        },
      },
      { parent: this },
    );
    new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata,
        spec: { selector, ports: [{ name: "metrics", port: 8080, targetPort: "metrics", protocol: "TCP" }] },
      },
      { parent: this },
    );
    declarePodNetworkPolicy(this, name, {
      metadata,
      selector,
      ingress: [{ from: args.scrapers, ports: tcp(8080) }],
      egress: [TO_API_SERVER],
    });
    this.registerOutputs({});
  }
}
