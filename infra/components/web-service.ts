import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input.js";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../config-schema.js";
import { type AppLabels, recommendedLabels, selectorLabels } from "../labels.js";
import { declarePodNetworkPolicy, tcp } from "./network-policy.js";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./pod-security.js";

type NetworkPolicyPeer = inputs.networking.v1.NetworkPolicyPeer;

/** HTTP paths the kubelet probes. Distinct paths let each probe ask its own question. */
export interface ProbePaths {
  /** Answers as soon as the process listens; gates the other two while the service starts. */
  readonly startup: string;
  /** Answers 200 only when the service can do its work (dependencies up, not shutting down). */
  readonly readiness: string;
  /** Answers 200 while the process is not wedged; never depends on other services. */
  readonly liveness: string;
}

/** A configuration file shipped in a ConfigMap and mounted read-only into the container. */
export interface ConfigFile {
  readonly fileName: string;
  readonly content: string;
  /** Where the file appears in the container (a file path, mounted with subPath). */
  readonly mountPath: string;
}

export interface WebServiceArgs {
  readonly namespace: pulumi.Input<string>;
  /** Names the Deployment, Service and the rest, and the `app.kubernetes.io/name` label. */
  readonly labels: AppLabels;
  /** An image reference pinned by digest. */
  readonly image: pulumi.Input<string>;
  /** The container's HTTP port; the Service exposes it as port 80, named "http". */
  readonly port: number;
  readonly settings: ServiceSettings;
  readonly probes: ProbePaths;
  /** Numeric user and group the container runs as. */
  readonly runAsUser: number;
  /** Seconds between SIGTERM and SIGKILL; must cover the service's own shutdown sequence. */
  readonly terminationGracePeriodSeconds: number;
  /** Seconds the kubelet waits before sending SIGTERM, for services that do not delay shutdown themselves. */
  readonly preStopSleepSeconds?: number;
  readonly env?: pulumi.Input<inputs.core.v1.EnvVar>[];
  /** Pods allowed to reach the HTTP port. */
  readonly allowFrom: NetworkPolicyPeer[];
  /**
   * Prometheus's pods, allowed to scrape `path` on the HTTP port, or on `port` (named "metrics") of a
   * sidecar exporter; the Service then carries scrape annotations.
   */
  readonly metrics?: {
    readonly path: string;
    readonly allowFrom: NetworkPolicyPeer[];
    readonly port?: number;
  };
  /** Containers beside the service's own, such as a metrics exporter. */
  readonly sidecars?: inputs.core.v1.Container[];
  /** Where the pods may connect to, besides DNS (allowed namespace-wide). */
  readonly egress: pulumi.Input<inputs.networking.v1.NetworkPolicyEgressRule>[];
  readonly configFile?: ConfigFile;
  /**
   * Blue-green: two Deployments, `<name>-blue` and `<name>-green`, each with its own image and a Service
   * of its own for smoke tests, while the main Service sends traffic to the active colour only.
   */
  readonly colors?: BlueGreen;
}

export type Color = "blue" | "green";

export interface BlueGreen {
  readonly active: Color;
  readonly images: Readonly<Record<Color, pulumi.Input<string>>>;
}

/** The label that tells the colours apart. */
export const COLOR_LABEL = "leadms.io/color";

const checksum = (content: string) => createHash("sha256").update(content).digest("hex");

/**
 * One stateless HTTP service: Deployment, Service, ServiceAccount, NetworkPolicy, and a disruption
 * budget and autoscaler where the settings ask for them. Pods run under the restricted Pod Security
 * profile with a read-only root filesystem and only /tmp writable.
 */
export class WebService extends pulumi.ComponentResource {
  /** The Deployment that takes traffic: the active colour's under blue-green. */
  public readonly deploymentName: string;
  public readonly serviceName: pulumi.Output<string>;
  /** The Service's port name, for Ingress backends. */
  public readonly portName: pulumi.Output<string>;

  constructor(name: string, args: WebServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:app:WebService", name, {}, opts);
    const appName = args.labels.name;
    const labels = recommendedLabels(args.labels);
    const selector = selectorLabels(args.labels);
    const metadata = { name: appName, namespace: args.namespace, labels };
    const { settings } = args;

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-service-account`,
      { metadata, automountServiceAccountToken: false },
      { parent: this },
    );

    const configMap = args.configFile
      ? new k8s.core.v1.ConfigMap(
          `${name}-config`,
          {
            metadata: { ...metadata, name: `${appName}-config` },
            data: { [args.configFile.fileName]: args.configFile.content },
          },
          { parent: this },
        )
      : undefined;

    const httpGet = (path: string) => ({ path, port: "http" });
    const container = (image: pulumi.Input<string>): inputs.core.v1.Container => ({
      name: appName,
      image,
      imagePullPolicy: "IfNotPresent",
      ports: [{ name: "http", containerPort: args.port, protocol: "TCP" }],
      env: args.env,
      resources: settings.resources,
      startupProbe: {
        httpGet: httpGet(args.probes.startup),
        periodSeconds: 2,
        timeoutSeconds: 2,
        failureThreshold: 30,
      },
      readinessProbe: {
        httpGet: httpGet(args.probes.readiness),
        periodSeconds: 5,
        timeoutSeconds: 2,
        failureThreshold: 2,
      },
      livenessProbe: {
        httpGet: httpGet(args.probes.liveness),
        periodSeconds: 10,
        timeoutSeconds: 2,
        failureThreshold: 3,
      },
      lifecycle: args.preStopSleepSeconds
        ? { preStop: { sleep: { seconds: args.preStopSleepSeconds } } }
        : undefined,
      securityContext: restrictedContainerSecurity(args.runAsUser),
      volumeMounts: [
        { name: "tmp", mountPath: "/tmp" },
        ...(args.configFile
          ? [
              {
                name: "config",
                mountPath: args.configFile.mountPath,
                subPath: args.configFile.fileName,
                readOnly: true,
              },
            ]
          : []),
      ],
    });

    // One Deployment (and autoscaler, and disruption budget) per colour; a single unnamed one otherwise.
    const variants = args.colors
      ? (["blue", "green"] as const).map((color) => ({
          suffix: `-${color}`,
          color,
          image: args.colors?.images[color] as pulumi.Input<string>,
        }))
      : [{ suffix: "", color: undefined, image: args.image }];

    const spreadAcrossNodes = (podSelector: Record<string, string>) => ({
      maxSkew: 1,
      topologyKey: "kubernetes.io/hostname",
      whenUnsatisfiable: "ScheduleAnyway",
      labelSelector: { matchLabels: podSelector },
    });
    const deployments = variants.map(({ suffix, color, image }) => {
      const deploymentName = `${appName}${suffix}`;
      const colorLabel: Record<string, string> = color ? { [COLOR_LABEL]: color } : {};
      const podSelector = { ...selector, ...colorLabel };
      const deployment = new k8s.apps.v1.Deployment(
        `${name}-deployment${suffix}`,
        {
          metadata: { ...metadata, name: deploymentName, labels: { ...labels, ...colorLabel } },
          spec: {
            // With an autoscaler, the replica count is its to set: declaring one here would reset it on every deploy.
            replicas: settings.autoscaling ? undefined : settings.replicas,
            revisionHistoryLimit: 5,
            selector: { matchLabels: podSelector },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
              metadata: {
                labels: { ...labels, ...colorLabel },
                annotations: args.configFile
                  ? { "leadms.io/config-checksum": checksum(args.configFile.content) }
                  : undefined,
              },
              spec: {
                serviceAccountName: serviceAccount.metadata.name,
                automountServiceAccountToken: false,
                terminationGracePeriodSeconds: args.terminationGracePeriodSeconds,
                securityContext: restrictedPodSecurity(args.runAsUser),
                topologySpreadConstraints: [spreadAcrossNodes(podSelector)],
                containers: [container(image), ...(args.sidecars ?? [])],
                volumes: [
                  { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                  ...(configMap ? [{ name: "config", configMap: { name: configMap.metadata.name } }] : []),
                ],
              },
            },
          },
        },
        { parent: this },
      );
      this.declareScaling(
        name,
        suffix,
        { ...metadata, name: deploymentName },
        podSelector,
        deployment,
        settings,
      );
      return { color, name: deploymentName };
    });

    const metricsPort = args.metrics?.port ?? args.port;
    const scrape = args.metrics
      ? {
          "prometheus.io/scrape": "true",
          "prometheus.io/path": args.metrics.path,
          "prometheus.io/port": String(metricsPort),
        }
      : undefined;
    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { ...metadata, annotations: scrape },
        spec: {
          type: "ClusterIP",
          selector: args.colors ? { ...selector, [COLOR_LABEL]: args.colors.active } : selector,
          ports: [
            { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
            ...(args.metrics?.port
              ? [{ name: "metrics", port: args.metrics.port, targetPort: "metrics", protocol: "TCP" }]
              : []),
          ],
        },
      },
      { parent: this },
    );

    declarePodNetworkPolicy(this, name, {
      metadata,
      selector,
      ingress: [
        { from: args.allowFrom, ports: tcp(args.port) },
        ...(args.metrics ? [{ from: args.metrics.allowFrom, ports: tcp(metricsPort) }] : []),
      ],
      egress: args.egress,
    });

    // A Service per colour, so a release can be smoke-tested before traffic moves to it.
    for (const { color } of variants) {
      if (!color) continue;
      new k8s.core.v1.Service(
        `${name}-service-${color}`,
        {
          metadata: { ...metadata, name: `${appName}-${color}` },
          spec: {
            type: "ClusterIP",
            selector: { ...selector, [COLOR_LABEL]: color },
            ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
          },
        },
        { parent: this },
      );
    }

    const active = (deployments.find(({ color }) => color === args.colors?.active) ?? deployments[0]) as {
      name: string;
    };
    this.deploymentName = active.name;
    this.serviceName = service.metadata.name;
    this.portName = pulumi.output("http");
    this.registerOutputs({ deploymentName: this.deploymentName, serviceName: this.serviceName });
  }

  /** The disruption budget and the autoscaler of one Deployment, where the settings ask for them. */
  private declareScaling(
    name: string,
    suffix: string,
    metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> },
    podSelector: Record<string, string>,
    deployment: k8s.apps.v1.Deployment,
    settings: ServiceSettings,
  ): void {
    if (settings.disruptionBudget) {
      new k8s.policy.v1.PodDisruptionBudget(
        `${name}-disruption-budget${suffix}`,
        {
          metadata,
          spec: {
            maxUnavailable: settings.disruptionBudget.maxUnavailable,
            selector: { matchLabels: podSelector },
          },
        },
        { parent: this },
      );
    }

    if (settings.autoscaling) {
      const { minReplicas, maxReplicas, targetCpuUtilizationPercent } = settings.autoscaling;
      new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        `${name}-autoscaler${suffix}`,
        {
          metadata,
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
            minReplicas,
            maxReplicas,
            metrics: [
              {
                type: "Resource",
                resource: {
                  name: "cpu",
                  target: { type: "Utilization", averageUtilization: targetCpuUtilizationPercent },
                },
              },
            ],
            // Scale down slowly: a short lull should not drop the capacity the next burst needs.
            behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
          },
        },
        { parent: this },
      );
    }
  }
}
