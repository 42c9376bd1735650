import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { find, render } from "./support/render.js";

const staging = await render("staging");
const production = await render(
  "production",
  {},
  { slackWebhookUrl: "https://hooks.slack.com/services/T/B/x", pagerdutyRoutingKey: "routing-key-value" },
);
const MON = "leadms-staging-monitoring";
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("Prometheus", () => {
  const statefulSet = find(staging.objects, "StatefulSet", "prometheus", MON);
  const pod = statefulSet.spec.template.spec;

  it("runs from its ConfigMaps, whose checksum rolls the pod", () => {
    const config = find(staging.objects, "ConfigMap", "prometheus-config", MON).data["prometheus.yml"];
    const rules = find(staging.objects, "ConfigMap", "prometheus-rules", MON).data["leadms.yml"];
    expect(statefulSet.spec.template.metadata.annotations["leadms.io/config-checksum"]).toBe(
      sha256(JSON.stringify({ "prometheus.yml": config, "leadms.yml": rules })),
    );
    expect(parse(config).rule_files).toEqual(["/etc/prometheus/rules/*.yml"]);
    expect(parse(config).global.external_labels).toEqual({ environment: "staging" });
    expect(parse(rules).groups.flatMap((g: any) => g.rules)).toHaveLength(23);
  });

  it("keeps its data on a volume sized per stack, with retention by time and size", () => {
    expect(statefulSet.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("5Gi");
    expect(pod.containers[0].args).toEqual(
      expect.arrayContaining(["--storage.tsdb.retention.time=7d", "--storage.tsdb.retention.size=4GB"]),
    );
    const prod = find(production.objects, "StatefulSet", "prometheus", "leadms-production-monitoring");
    expect(prod.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("50Gi");
    expect(prod.spec.template.spec.containers[0].args).toContain("--storage.tsdb.retention.time=30d");
  });

  it("probes readiness and health, and runs restricted", () => {
    const container = pod.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe("/-/ready");
    expect(container.livenessProbe.httpGet.path).toBe("/-/healthy");
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
  });

  it("may only read what service discovery needs", () => {
    const clusterRole = find(staging.objects, "ClusterRole", "prometheus-staging");
    expect(clusterRole.rules).toEqual([
      { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["nodes/proxy", "nodes/metrics"], verbs: ["get"] },
    ]);
    for (const namespace of ["leadms-staging", MON]) {
      const role = find(staging.objects, "Role", "prometheus-discovery", namespace);
      expect(role.rules.flatMap((r: any) => r.verbs)).not.toContain("create");
      expect(role.rules.flatMap((r: any) => r.resources).sort()).toEqual([
        "endpoints",
        "endpointslices",
        "pods",
        "services",
      ]);
    }
    const bindings = staging.objects.filter(
      (o) => o.kind === "RoleBinding" && o.metadata.name === "prometheus-discovery",
    );
    expect(bindings.map((b) => b.metadata.namespace).sort()).toEqual(["leadms-staging", MON]);
  });
});

describe("Alertmanager", () => {
  it("reads its receivers' URL and key from a mounted Secret, never from the ConfigMap", () => {
    const ns = "leadms-production-monitoring";
    const config = find(production.objects, "ConfigMap", "alertmanager-config", ns).data["alertmanager.yml"];
    expect(config).not.toContain("hooks.slack.com");
    expect(config).not.toContain("routing-key-value");
    expect(parse(config).receivers.map((r: any) => r.name)).toEqual(["chat", "pager", "watchdog"]);
    const secret = find(production.objects, "Secret", "alertmanager-receivers", ns);
    expect(Object.keys(secret.stringData).sort()).toEqual(["pagerduty-routing-key", "slack-webhook-url"]);
    const statefulSet = find(production.objects, "StatefulSet", "alertmanager", ns);
    expect(statefulSet.spec.template.spec.volumes).toContainEqual({
      name: "receivers",
      secret: { secretName: "alertmanager-receivers" },
    });
    expect(statefulSet.spec.template.metadata.annotations["leadms.io/config-checksum"]).toBe(sha256(config));
  });

  it("never pages from staging", () => {
    const config = parse(
      find(staging.objects, "ConfigMap", "alertmanager-config", MON).data["alertmanager.yml"],
    );
    expect(config.receivers.map((r: any) => r.name)).toEqual(["chat", "watchdog"]);
  });
});

describe("the exporters", () => {
  it("take their connection URL from a Secret of their own in the monitoring namespace", () => {
    for (const [name, variable] of [
      ["postgres-exporter", "DATA_SOURCE_NAME"],
      ["redis-exporter", "REDIS_ADDR"],
    ]) {
      const container = find(staging.objects, "Deployment", name as string, MON).spec.template.spec
        .containers[0];
      expect(container.env).toEqual([
        { name: variable, valueFrom: { secretKeyRef: { name, key: variable } } },
      ]);
      expect(Object.keys(find(staging.objects, "Secret", name as string, MON).stringData)).toEqual([
        variable,
      ]);
      expect(container.readinessProbe).toBeDefined();
    }
  });

  it("reach the in-cluster stores across namespaces, and only them", () => {
    const egress = find(staging.objects, "NetworkPolicy", "postgres-exporter", MON).spec.egress;
    expect(egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "leadms-staging" } },
            podSelector: { matchLabels: { "app.kubernetes.io/name": "postgres" } },
          },
        ],
        ports: [{ protocol: "TCP", port: 5432 }],
      },
    ]);
  });

  it("put node-exporter alone in a privileged namespace, with the exception and its reason written down", () => {
    const namespace = find(staging.objects, "Namespace", "leadms-staging-node-exporter");
    expect(namespace.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    expect(namespace.metadata.labels["pod-security.kubernetes.io/warn"]).toBe("restricted");
    const daemonSet = find(staging.objects, "DaemonSet", "node-exporter", "leadms-staging-node-exporter");
    expect(daemonSet.metadata.annotations["leadms.io/policy-exceptions"]).toBe(
      "pss-host-namespaces,pss-host-ports,pss-volume-types",
    );
    expect(daemonSet.spec.template.spec.containers[0].securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
    });
    expect(
      staging.objects
        .filter((o) => o.metadata.namespace === "leadms-staging-node-exporter")
        .map((o) => o.kind),
    ).toEqual(["DaemonSet"]);
  });

  it("leave node-exporter out of a stack that turns it off", async () => {
    const rendered = await render("staging", { monitoring: { nodeExporter: false } });
    expect(rendered.objects.some((o) => o.kind === "DaemonSet")).toBe(false);
    const config = parse(
      find(rendered.objects, "ConfigMap", "prometheus-config", MON).data["prometheus.yml"],
    );
    expect(config.scrape_configs.map((j: any) => j.job_name)).not.toContain("node");
  });
});

describe("remote_write", () => {
  const remoteWrite = { url: "https://mimir.example.com/api/v1/push", username: "leadms" };

  it("sends to the configured remote storage with the password from a Secret file", async () => {
    const rendered = await render(
      "production",
      { monitoring: { prometheus: { remoteWrite } } },
      { remoteWritePassword: "remote-write-password-value" },
    );
    const ns = "leadms-production-monitoring";
    const config = parse(find(rendered.objects, "ConfigMap", "prometheus-config", ns).data["prometheus.yml"]);
    expect(config.remote_write).toEqual([
      {
        url: remoteWrite.url,
        basic_auth: { username: "leadms", password_file: "/etc/prometheus/secrets/remote-write-password" },
      },
    ]);
    expect(JSON.stringify(rendered.objects)).not.toContain("remote-write-password-value");
    const pod = find(rendered.objects, "StatefulSet", "prometheus", ns).spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: "remote-write",
      secret: { secretName: "prometheus-remote-write" },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: "remote-write",
      mountPath: "/etc/prometheus/secrets",
      readOnly: true,
    });
  });

  it("is off unless the stack names it", () => {
    const config = parse(
      find(production.objects, "ConfigMap", "prometheus-config", "leadms-production-monitoring").data[
        "prometheus.yml"
      ],
    );
    expect(config.remote_write).toBeUndefined();
  });
});
