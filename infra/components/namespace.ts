import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../config-schema.js";
import { recommendedLabels } from "../labels.js";

export interface EnvironmentNamespaceArgs {
  /** The namespace's name, `leadms-<stack>`. */
  readonly name: string;
  /** The stack name, used as `app.kubernetes.io/instance`. */
  readonly instance: string;
  /** Hard limits on what the namespace's workloads may claim; none when absent. */
  readonly quota?: StackSettings["quota"];
  /** The recommended labels' component: "platform" for the application, "monitoring". */
  readonly component?: string;
}

/** Pod Security Admission at the restricted level, for every mode (enforce, audit, warn). */
const RESTRICTED = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/audit-version": "latest",
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/warn-version": "latest",
};

/**
 * An environment's namespace: the restricted Pod Security profile, a quota, default container limits,
 * and a network that denies everything except DNS until a workload's own policy allows more.
 */
export class EnvironmentNamespace extends pulumi.ComponentResource {
  public readonly name: pulumi.Output<string>;

  constructor(name: string, args: EnvironmentNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:core:EnvironmentNamespace", name, {}, opts);
    const labels = recommendedLabels({
      name: "leadms",
      instance: args.instance,
      component: args.component ?? "platform",
    });

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: args.name, labels: { ...labels, ...RESTRICTED } } },
      { parent: this },
    );
    const metadata = (objectName: string) => ({
      name: objectName,
      namespace: namespace.metadata.name,
      labels,
    });

    if (args.quota) {
      new k8s.core.v1.ResourceQuota(
        `${name}-quota`,
        {
          metadata: metadata("leadms-quota"),
          spec: {
            hard: {
              "requests.cpu": args.quota.cpu,
              "limits.cpu": args.quota.cpu,
              "requests.memory": args.quota.memory,
              "limits.memory": args.quota.memory,
              pods: String(args.quota.pods),
              "requests.storage": args.quota.storage,
              persistentvolumeclaims: String(args.quota.persistentVolumeClaims),
            },
          },
        },
        { parent: this },
      );
    }

    // Defaults for a container that declares nothing, so the quota never rejects it outright.
    new k8s.core.v1.LimitRange(
      `${name}-limits`,
      {
        metadata: metadata("leadms-limits"),
        spec: {
          limits: [
            {
              type: "Container",
              defaultRequest: { cpu: "50m", memory: "64Mi" },
              default: { cpu: "250m", memory: "256Mi" },
            },
          ],
        },
      },
      { parent: this },
    );

    new k8s.networking.v1.NetworkPolicy(
      `${name}-default-deny`,
      {
        metadata: metadata("default-deny"),
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      },
      { parent: this },
    );

    new k8s.networking.v1.NetworkPolicy(
      `${name}-allow-dns`,
      {
        metadata: metadata("allow-dns"),
        spec: {
          podSelector: {},
          policyTypes: ["Egress"],
          egress: [
            {
              to: [
                {
                  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                },
              ],
              ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
              ],
            },
          ],
        },
      },
      { parent: this },
    );

    this.name = namespace.metadata.name;
    this.registerOutputs({ name: this.name });
  }
}
