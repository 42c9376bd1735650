import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input.js";
import type * as pulumi from "@pulumi/pulumi";
import type { ResourceSettings } from "../config-schema.js";
import { type AppLabels, recommendedLabels, selectorLabels } from "../labels.js";
import { declarePodNetworkPolicy, tcp } from "./network-policy.js";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./pod-security.js";
import { readWriteOnceClaim } from "./storage.js";

export interface StatefulStoreArgs {
  readonly namespace: pulumi.Input<string>;
  readonly labels: AppLabels;
  /** An image reference with an explicit version. */
  readonly image: string;
  readonly port: number;
  /** Numeric user, group and volume group the server runs as (999 in the official images). */
  readonly runAsUser: number;
  readonly args?: string[];
  readonly env: pulumi.Input<inputs.core.v1.EnvVar>[];
  /** The command that tells whether the server accepts connections; run by all three probes. */
  readonly healthCommand: string[];
  /** Where the persistent volume is mounted. */
  readonly dataPath: string;
  /** Further writable paths (sockets, run files), each an emptyDir. */
  readonly scratchPaths: string[];
  readonly resources: ResourceSettings;
  readonly storageSize: string;
  readonly storageClass?: string;
  /** Pods allowed to connect. */
  readonly clients: inputs.networking.v1.NetworkPolicyPeer[];
}

/**
 * A single-replica server with a persistent volume: StatefulSet, headless Service and the NetworkPolicy
 * that lets only its clients in. Children of `parent`, named `${name}-<role>`.
 */
export function declareStatefulStore(parent: pulumi.Resource, name: string, args: StatefulStoreArgs): void {
  const appName = args.labels.name;
  const labels = recommendedLabels(args.labels);
  const selector = selectorLabels(args.labels);
  const metadata = { name: appName, namespace: args.namespace, labels };
  const probe = (periodSeconds: number, failureThreshold: number) => ({
    exec: { command: args.healthCommand },
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold,
  });
  const scratch = args.scratchPaths.map((mountPath, index) => ({ name: `scratch-${index}`, mountPath }));

  const service = new k8s.core.v1.Service(
    `${name}-service`,
    {
      metadata,
      spec: {
        clusterIP: "None",
        selector,
        ports: [{ name: appName, port: args.port, targetPort: appName, protocol: "TCP" }],
      },
    },
    { parent },
  );

  new k8s.apps.v1.StatefulSet(
    `${name}-statefulset`,
    {
      metadata,
      spec: {
        serviceName: service.metadata.name,
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 60,
            securityContext: restrictedPodSecurity(args.runAsUser),
            containers: [
              {
                name: appName,
                image: args.image,
                imagePullPolicy: "IfNotPresent",
                args: args.args,
                env: args.env,
                ports: [{ name: appName, containerPort: args.port, protocol: "TCP" }],
                resources: args.resources,
                startupProbe: probe(5, 60),
                readinessProbe: probe(10, 3),
                livenessProbe: probe(20, 6),
                securityContext: restrictedContainerSecurity(args.runAsUser),
                volumeMounts: [{ name: "data", mountPath: args.dataPath }, ...scratch],
              },
            ],
            volumes: scratch.map(({ name: volumeName }) => ({
              name: volumeName,
              emptyDir: { sizeLimit: "64Mi" },
            })),
          },
        },
        volumeClaimTemplates: [{ metadata: { name: "data", labels }, spec: readWriteOnceClaim(args) }],
      },
    },
    { parent },
  );

  declarePodNetworkPolicy(parent, name, {
    metadata,
    selector,
    ingress: [{ from: args.clients, ports: tcp(args.port) }],
    egress: [],
  });
}
