import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceSettings } from "../../config-schema.js";
import { recommendedLabels, selectorLabels } from "../../labels.js";
import { restrictedContainerSecurity } from "../pod-security.js";

export const NODE_EXPORTER_IMAGE = "quay.io/prometheus/node-exporter:v1.8.2";
export const NODE_EXPORTER_PORT = 9100;
const NOBODY = 65534;

/**
 * The one exception to the restricted profile, and why: node-exporter reports the node itself, so it
 * shares the host's network and PID namespaces and reads /proc, /sys and the root filesystem from the
 * host. Everything else about it stays restricted: non-root, read-only, no capabilities.
 */
export const NODE_EXPORTER_EXCEPTIONS = ["pss-host-namespaces", "pss-host-ports", "pss-volume-types"];
export const NODE_EXPORTER_REASON =
  "node-exporter reports the node: it needs the host network and PID namespaces and read-only host /proc, /sys and /";

export interface NodeExporterArgs {
  /** The namespace of its own, `leadms-<stack>-node-exporter`, which only it runs in. */
  readonly namespace: string;
  readonly instance: string;
  readonly resources: ResourceSettings;
}

/**
 * node-exporter on every node, isolated in a namespace of its own whose Pod Security level is
 * `privileged` (audited and warned at `restricted`, so the exception stays visible). Only one stack
 * per cluster runs it (`monitoring.nodeExporter`).
 */
export class NodeExporter extends pulumi.ComponentResource {
  constructor(name: string, args: NodeExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:monitoring:NodeExporter", name, {}, opts);
    const appLabels = { name: "node-exporter", instance: args.instance, component: "monitoring" };
    const labels = recommendedLabels(appLabels);
    const selector = selectorLabels(appLabels);

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: args.namespace,
          labels: {
            ...labels,
            "pod-security.kubernetes.io/enforce": "privileged",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
          },
          annotations: { "leadms.io/policy-exception-reason": NODE_EXPORTER_REASON },
        },
      },
      { parent: this },
    );
    const host = (volume: string, path: string) => ({ name: volume, hostPath: { path, type: "Directory" } });
    new k8s.apps.v1.DaemonSet(
      `${name}-daemonset`,
      {
        metadata: {
          name: "node-exporter",
          namespace: namespace.metadata.name,
          labels,
          annotations: {
            "leadms.io/policy-exceptions": NODE_EXPORTER_EXCEPTIONS.join(","),
            "leadms.io/policy-exception-reason": NODE_EXPORTER_REASON,
          },
        },
        spec: {
          selector: { matchLabels: selector },
          updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
          template: {
            metadata: { labels },
            spec: {
              hostNetwork: true,
              hostPID: true,
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: NOBODY,
                runAsGroup: NOBODY,
                seccompProfile: { type: "RuntimeDefault" },
              },
              tolerations: [{ operator: "Exists" }],
              containers: [
                {
                  name: "node-exporter",
                  image: NODE_EXPORTER_IMAGE,
                  imagePullPolicy: "IfNotPresent",
                  args: [
                    "--path.procfs=/host/proc",
                    "--path.sysfs=/host/sys",
                    "--path.rootfs=/host/root",
                    `--web.listen-address=:${NODE_EXPORTER_PORT}`,
                  ],
                  ports: [
                    {
                      name: "metrics",
                      containerPort: NODE_EXPORTER_PORT,
                      hostPort: NODE_EXPORTER_PORT,
                      protocol: "TCP",
                    },
                  ],
                  resources: args.resources,
                  readinessProbe: {
                    httpGet: { path: "/", port: NODE_EXPORTER_PORT },
                    periodSeconds: 30,
                    timeoutSeconds: 5,
                  },
                  livenessProbe: {
                    httpGet: { path: "/", port: NODE_EXPORTER_PORT },
                    periodSeconds: 30,
                    timeoutSeconds: 5,
                  },
                  securityContext: restrictedContainerSecurity(NOBODY),
                  volumeMounts: [
                    { name: "proc", mountPath: "/host/proc", readOnly: true },
                    { name: "sys", mountPath: "/host/sys", readOnly: true },
                    {
                      name: "root",
                      mountPath: "/host/root",
                      readOnly: true,
                      mountPropagation: "HostToContainer",
                    },
                  ],
                },
              ],
              volumes: [host("proc", "/proc"), host("sys", "/sys"), host("root", "/")],
            },
          },
        },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
