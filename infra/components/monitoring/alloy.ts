import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input.js";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceSettings } from "../../config-schema.js";
import { recommendedLabels, selectorLabels } from "../../labels.js";
import { ALLOY_PORT } from "../../monitoring/alloy-config.js";
import { declarePodNetworkPolicy, TO_API_SERVER, tcp } from "../network-policy.js";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../pod-security.js";

export const ALLOY_IMAGE = "docker.io/grafana/alloy:v1.9.0";
const ALLOY_UID = 473;

export interface AlloyArgs {
  readonly namespace: pulumi.Input<string>;
  readonly instance: string;
  readonly config: string;
  /** Namespaces whose pod logs it reads, through the API: a Role on pods and pods/log in each. */
  readonly watchedNamespaces: string[];
  readonly resources: ResourceSettings;
  readonly scrapers: inputs.networking.v1.NetworkPolicyPeer[];
  /** Loki's pods, where it pushes. */
  readonly loki: inputs.networking.v1.NetworkPolicyPeer;
}

/**
 * Grafana Alloy collecting pod logs through the Kubernetes API (loki.source.kubernetes), so it needs no
 * host path and runs under the restricted profile; one replica serves the stack's namespaces.
 */
export class Alloy extends pulumi.ComponentResource {
  constructor(name: string, args: AlloyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:monitoring:Alloy", name, {}, opts);
    const appLabels = { name: "alloy", instance: args.instance, component: "monitoring" };
    const labels = recommendedLabels(appLabels);
    const selector = selectorLabels(appLabels);
    const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels });

    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: metadata("alloy-config"), data: { "config.alloy": args.config } },
      { parent: this },
    );
    const account = new k8s.core.v1.ServiceAccount(
      `${name}-service-account`,
      { metadata: metadata("alloy"), automountServiceAccountToken: true },
      { parent: this },
    );
    for (const namespace of args.watchedNamespaces) {
      const role = new k8s.rbac.v1.Role(
        `${name}-logs-${namespace}`,
        {
          metadata: { name: "alloy-logs", namespace, labels },
          rules: [
            { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
            { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
          ],
        },
        { parent: this },
      );
      new k8s.rbac.v1.RoleBinding(
        `${name}-logs-${namespace}`,
        {
          metadata: { name: "alloy-logs", namespace, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
        },
        { parent: this },
      );
    }
    const probe = { httpGet: { path: "/-/ready", port: "http" }, periodSeconds: 10, timeoutSeconds: 5 };
    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: metadata("alloy"),
        spec: {
          replicas: 1,
          revisionHistoryLimit: 3,
          selector: { matchLabels: selector },
          template: {
            metadata: {
              labels,
              annotations: {
                "leadms.io/config-checksum": createHash("sha256").update(args.config).digest("hex"),
              },
            },
            spec: {
              serviceAccountName: account.metadata.name,
              automountServiceAccountToken: true,
              securityContext: restrictedPodSecurity(ALLOY_UID),
              containers: [
                {
                  name: "alloy",
                  image: ALLOY_IMAGE,
                  imagePullPolicy: "IfNotPresent",
                  args: [
                    "run",
                    "/etc/alloy/config.alloy",
                    `--server.http.listen-addr=0.0.0.0:${ALLOY_PORT}`,
                    "--storage.path=/var/lib/alloy",
                    "--disable-reporting",
                  ],
                  ports: [{ name: "http", containerPort: ALLOY_PORT, protocol: "TCP" }],
                  resources: args.resources,
                  readinessProbe: probe,
                  livenessProbe: { ...probe, failureThreshold: 6 },
                  securityContext: restrictedContainerSecurity(ALLOY_UID),
                  volumeMounts: [
                    { name: "config", mountPath: "/etc/alloy", readOnly: true },
                    { name: "data", mountPath: "/var/lib/alloy" },
                    { name: "tmp", mountPath: "/tmp" },
                  ],
                },
              ],
              volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                // Read positions only; after a restart Alloy re-reads from the API's tail.
                { name: "data", emptyDir: { sizeLimit: "256Mi" } },
                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
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
        metadata: metadata("alloy"),
        spec: { selector, ports: [{ name: "http", port: ALLOY_PORT, targetPort: "http", protocol: "TCP" }] },
      },
      { parent: this },
    );
    declarePodNetworkPolicy(this, name, {
      metadata: metadata("alloy"),
      selector,
      ingress: [{ from: args.scrapers, ports: tcp(ALLOY_PORT) }],
      // Loki, and the API server for discovery and the logs themselves.
      egress: [{ to: [args.loki], ports: tcp(3100) }, TO_API_SERVER],
    });
    this.registerOutputs({});
  }
}
