import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input.js";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceSettings } from "../../config-schema.js";
import { recommendedLabels, selectorLabels } from "../../labels.js";
import { declarePodNetworkPolicy, tcp } from "../network-policy.js";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../pod-security.js";

/** The unprivileged "nobody" user the exporter images run as. */
const NOBODY = 65534;

export interface ExporterArgs {
  readonly namespace: pulumi.Input<string>;
  readonly instance: string;
  /** Names the Deployment, Service, Secret and policy: "postgres-exporter", "redis-exporter". */
  readonly name: string;
  readonly image: string;
  readonly port: number;
  readonly args?: string[];
  /** Secret environment (connection URLs), put in the exporter's own Secret and passed by reference. */
  readonly secretEnv: Readonly<Record<string, pulumi.Input<string>>>;
  readonly resources: ResourceSettings;
  /** Pods allowed to scrape it. */
  readonly scrapers: inputs.networking.v1.NetworkPolicyPeer[];
  /** Where the exporter connects: the database it watches. */
  readonly egress: pulumi.Input<inputs.networking.v1.NetworkPolicyEgressRule>[];
}

/**
 * A Prometheus exporter for a database in the monitoring namespace: Deployment, Service, a Secret of
 * its own with the connection URL, and a NetworkPolicy (Prometheus in, the database out).
 */
export class Exporter extends pulumi.ComponentResource {
  public readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: ExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:monitoring:Exporter", name, {}, opts);
    const appLabels = { name: args.name, instance: args.instance, component: "monitoring" };
    const labels = recommendedLabels(appLabels);
    const selector = selectorLabels(appLabels);
    const metadata = { name: args.name, namespace: args.namespace, labels };

    const secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata,
        type: "Opaque",
        stringData: Object.fromEntries(
          Object.entries(args.secretEnv).map(([key, value]) => [key, pulumi.secret(value)]),
        ),
      },
      { parent: this },
    );
    const probe = { httpGet: { path: "/metrics", port: "metrics" }, periodSeconds: 30, timeoutSeconds: 10 };
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
              automountServiceAccountToken: false,
              securityContext: restrictedPodSecurity(NOBODY),
              containers: [
                {
                  name: args.name,
                  image: args.image,
                  imagePullPolicy: "IfNotPresent",
                  args: args.args,
                  env: Object.keys(args.secretEnv).map((key) => ({
                    name: key,
                    valueFrom: { secretKeyRef: { name: secret.metadata.name, key } },
                  })),
                  ports: [{ name: "metrics", containerPort: args.port, protocol: "TCP" }],
                  resources: args.resources,
                  readinessProbe: probe,
                  livenessProbe: { ...probe, failureThreshold: 5 },
                  securityContext: restrictedContainerSecurity(NOBODY),
                },
              ],
            },
          },
        },
      },
      { parent: this },
    );
    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata,
        spec: {
          selector,
          ports: [{ name: "metrics", port: args.port, targetPort: "metrics", protocol: "TCP" }],
        },
      },
      { parent: this },
    );
    declarePodNetworkPolicy(this, name, {
      metadata,
      selector,
      ingress: [{ from: args.scrapers, ports: tcp(args.port) }],
      egress: args.egress,
    });
    this.serviceName = service.metadata.name;
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
