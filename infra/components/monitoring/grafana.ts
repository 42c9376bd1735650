import { createHash } from "node:crypto";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input.js";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import type { StackSettings } from "../../config-schema.js";
import { recommendedLabels, selectorLabels } from "../../labels.js";
import {
  DASHBOARDS_DIR,
  dashboardsProvisioning,
  datasourcesProvisioning,
  type GrafanaDatasourceUrls,
} from "../../monitoring/grafana-provisioning.js";
import { declarePodNetworkPolicy, tcp } from "../network-policy.js";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../pod-security.js";

export const GRAFANA_IMAGE = "docker.io/grafana/grafana:12.0.2";
export const GRAFANA_PORT = 3000;
const GRAFANA_UID = 472;

export interface GrafanaArgs {
  readonly namespace: pulumi.Input<string>;
  readonly instance: string;
  readonly settings: StackSettings["monitoring"]["grafana"];
  readonly dashboards: Dashboard[];
  readonly datasources: GrafanaDatasourceUrls;
  /** The stack's public host and TLS, for the Ingress when `settings.ingressPath` asks for one. */
  readonly ingress: StackSettings["ingress"];
  /** The ingress controller's pods, allowed in when Grafana is exposed. */
  readonly ingressController: inputs.networking.v1.NetworkPolicyPeer;
  /** Where Grafana connects: Prometheus, Loki, Alertmanager. */
  readonly egress: inputs.networking.v1.NetworkPolicyEgressRule[];
  /** Prometheus, which scrapes Grafana's own metrics. */
  readonly scrapers: inputs.networking.v1.NetworkPolicyPeer[];
}

/**
 * Grafana with everything provisioned from code: datasources by fixed uid, the dashboards from the
 * foundation SDK, an admin password from @pulumi/random in a Secret, anonymous access off. It keeps no
 * state worth a volume (its SQLite database holds sessions only), so /var/lib/grafana is an emptyDir.
 */
export class Grafana extends pulumi.ComponentResource {
  public readonly adminSecretName: pulumi.Output<string>;

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:monitoring:Grafana", name, {}, opts);
    const appLabels = { name: "grafana", instance: args.instance, component: "monitoring" };
    const labels = recommendedLabels(appLabels);
    const selector = selectorLabels(appLabels);
    const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels });
    const { settings } = args;

    const provisioning = {
      "datasources.yaml": stringify(datasourcesProvisioning(args.datasources)),
      "dashboards.yaml": stringify(dashboardsProvisioning()),
    };
    const dashboardFiles = Object.fromEntries(
      args.dashboards.map((d) => [`${d.uid}.json`, JSON.stringify(d, null, 2)]),
    );
    // Sorted by file name, so the checksum does not depend on the order the files were listed in.
    const files = Object.entries({ ...provisioning, ...dashboardFiles }).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    const checksum = createHash("sha256").update(JSON.stringify(files)).digest("hex");
    const provisioningMap = new k8s.core.v1.ConfigMap(
      `${name}-provisioning`,
      { metadata: metadata("grafana-provisioning"), data: provisioning },
      { parent: this },
    );
    const dashboardsMap = new k8s.core.v1.ConfigMap(
      `${name}-dashboards`,
      { metadata: metadata("grafana-dashboards"), data: dashboardFiles },
      { parent: this },
    );
    const password = new random.RandomPassword(
      `${name}-admin-password`,
      { length: 32, special: false },
      { parent: this },
    );
    const admin = new k8s.core.v1.Secret(
      `${name}-admin`,
      {
        metadata: metadata("grafana-admin"),
        type: "Opaque",
        stringData: { "admin-user": "admin", "admin-password": pulumi.secret(password.result) },
      },
      { parent: this },
    );
    const fromAdmin = (env: string, key: string) => ({
      name: env,
      valueFrom: { secretKeyRef: { name: admin.metadata.name, key } },
    });
    const rootUrl = settings.ingressPath
      ? `https://${args.ingress.host}${settings.ingressPath}/`
      : "http://localhost:3000/";
    const probe = (failureThreshold: number) => ({
      httpGet: { path: "/api/health", port: "http" },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold,
    });

    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: metadata("grafana"),
        spec: {
          replicas: 1,
          revisionHistoryLimit: 3,
          selector: { matchLabels: selector },
          // One replica with an emptyDir: replace rather than run two side by side.
          strategy: { type: "Recreate" },
          template: {
            metadata: { labels, annotations: { "leadms.io/config-checksum": checksum } },
            spec: {
              automountServiceAccountToken: false,
              securityContext: restrictedPodSecurity(GRAFANA_UID),
              containers: [
                {
                  name: "grafana",
                  image: GRAFANA_IMAGE,
                  imagePullPolicy: "IfNotPresent",
                  env: [
                    fromAdmin("GF_SECURITY_ADMIN_USER", "admin-user"),
                    fromAdmin("GF_SECURITY_ADMIN_PASSWORD", "admin-password"),
                    { name: "GF_AUTH_ANONYMOUS_ENABLED", value: "false" },
                    { name: "GF_AUTH_DISABLE_SIGNOUT_MENU", value: "false" },
                    { name: "GF_USERS_ALLOW_SIGN_UP", value: "false" },
                    { name: "GF_ANALYTICS_REPORTING_ENABLED", value: "false" },
                    { name: "GF_SERVER_ROOT_URL", value: rootUrl },
                    { name: "GF_SERVER_SERVE_FROM_SUB_PATH", value: String(settings.ingressPath !== null) },
                    { name: "GF_PATHS_PROVISIONING", value: "/etc/grafana/provisioning" },
                  ],
                  ports: [{ name: "http", containerPort: GRAFANA_PORT, protocol: "TCP" }],
                  resources: settings.resources,
                  readinessProbe: probe(3),
                  livenessProbe: probe(6),
                  securityContext: restrictedContainerSecurity(GRAFANA_UID),
                  volumeMounts: [
                    { name: "data", mountPath: "/var/lib/grafana" },
                    { name: "tmp", mountPath: "/tmp" },
                    {
                      name: "provisioning",
                      mountPath: "/etc/grafana/provisioning/datasources/leadms.yaml",
                      subPath: "datasources.yaml",
                      readOnly: true,
                    },
                    {
                      name: "provisioning",
                      mountPath: "/etc/grafana/provisioning/dashboards/leadms.yaml",
                      subPath: "dashboards.yaml",
                      readOnly: true,
                    },
                    { name: "dashboards", mountPath: DASHBOARDS_DIR, readOnly: true },
                  ],
                },
              ],
              volumes: [
                { name: "data", emptyDir: { sizeLimit: "256Mi" } },
                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                { name: "provisioning", configMap: { name: provisioningMap.metadata.name } },
                { name: "dashboards", configMap: { name: dashboardsMap.metadata.name } },
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
        metadata: metadata("grafana"),
        spec: {
          selector,
          ports: [{ name: "http", port: GRAFANA_PORT, targetPort: "http", protocol: "TCP" }],
        },
      },
      { parent: this },
    );
    const port = tcp(GRAFANA_PORT);
    declarePodNetworkPolicy(this, name, {
      metadata: metadata("grafana"),
      selector,
      ingress: [
        { from: args.scrapers, ports: port },
        ...(settings.ingressPath ? [{ from: [args.ingressController], ports: port }] : []),
      ],
      egress: args.egress,
    });
    if (settings.ingressPath) {
      const tls = args.ingress.tls;
      new k8s.networking.v1.Ingress(
        `${name}-ingress`,
        {
          metadata: {
            ...metadata("grafana"),
            annotations:
              tls.mode === "cert-manager" ? { "cert-manager.io/cluster-issuer": tls.clusterIssuer } : {},
          },
          spec: {
            ingressClassName: args.ingress.className,
            tls: [
              {
                hosts: [args.ingress.host],
                secretName: tls.mode === "secret" ? tls.secretName : `${args.instance}-grafana-tls`,
              },
            ],
            rules: [
              {
                host: args.ingress.host,
                http: {
                  paths: [
                    {
                      path: settings.ingressPath,
                      pathType: "Prefix",
                      backend: { service: { name: service.metadata.name, port: { name: "http" } } },
                    },
                  ],
                },
              },
            ],
          },
        },
        { parent: this },
      );
    }
    this.adminSecretName = admin.metadata.name;
    this.registerOutputs({ adminSecretName: this.adminSecretName });
  }
}
