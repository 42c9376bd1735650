import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { find, render } from "./support/render.js";

const staging = await render("staging");
const production = await render("production");
const MON = "leadms-staging-monitoring";
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("Grafana", () => {
  const deployment = find(staging.objects, "Deployment", "grafana", MON);
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  it("takes its admin password from a generated Secret, with anonymous access off", () => {
    expect(
      staging.resources.some(
        (r) => r.type === "random:index/randomPassword:RandomPassword" && r.name === "grafana-admin-password",
      ),
    ).toBe(true);
    const env = Object.fromEntries(
      container.env.map((e: any) => [
        e.name,
        e.value ?? `secret:${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`,
      ]),
    );
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toBe("secret:grafana-admin/admin-password");
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe("false");
    expect(Object.keys(find(staging.objects, "Secret", "grafana-admin", MON).stringData).sort()).toEqual([
      "admin-password",
      "admin-user",
    ]);
  });

  it("rolls when its provisioning or dashboards change, and keeps no volume", () => {
    const provisioning = find(staging.objects, "ConfigMap", "grafana-provisioning", MON).data;
    const dashboardFiles = find(staging.objects, "ConfigMap", "grafana-dashboards", MON).data;
    const files = Object.entries({ ...provisioning, ...dashboardFiles }).sort(([a], [b]) => (a < b ? -1 : 1));
    expect(deployment.spec.template.metadata.annotations["leadms.io/config-checksum"]).toBe(
      sha256(JSON.stringify(files)),
    );
    expect(pod.volumes.find((v: any) => v.name === "data").emptyDir).toBeDefined();
    expect(container.readinessProbe.httpGet.path).toBe("/api/health");
  });

  it("is reachable through the Ingress only where the stack asks", () => {
    const ingress = find(staging.objects, "Ingress", "grafana", MON);
    expect(ingress.spec.rules[0].http.paths[0].path).toBe("/grafana");
    expect(production.objects.some((o) => o.kind === "Ingress" && o.metadata.name === "grafana")).toBe(false);
    const policy = find(production.objects, "NetworkPolicy", "grafana", "leadms-production-monitoring").spec;
    expect(policy.ingress).toHaveLength(1);
  });
});

describe("Loki", () => {
  it("keeps logs on the stack's volume for the stack's retention, with limits and small caches", () => {
    for (const [rendered, ns, retention, size] of [
      [staging, MON, "168h", "5Gi"],
      [production, "leadms-production-monitoring", "720h", "50Gi"],
    ] as const) {
      const config = parse(find(rendered.objects, "ConfigMap", "loki-config", ns).data["loki.yaml"]);
      expect(config.limits_config.retention_period).toBe(retention);
      expect(config.compactor.retention_enabled).toBe(true);
      expect(config.common.storage.filesystem.chunks_directory).toBe("/loki/chunks");
      expect(config.limits_config.ingestion_rate_mb).toBeGreaterThan(0);
      expect(config.query_range.results_cache.cache.embedded_cache.max_size_mb).toBeLessThanOrEqual(256);
      const statefulSet = find(rendered.objects, "StatefulSet", "loki", ns);
      expect(statefulSet.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(size);
      expect(statefulSet.spec.template.metadata.annotations["leadms.io/config-checksum"]).toBe(
        sha256(find(rendered.objects, "ConfigMap", "loki-config", ns).data["loki.yaml"]),
      );
      expect(statefulSet.spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe("/ready");
    }
  });

  it("stores in S3-compatible object storage when configured, the secret key from a Secret", async () => {
    const objectStorage = {
      endpoint: "s3.eu-west-1.amazonaws.com",
      bucket: "leadms-logs",
      region: "eu-west-1",
      accessKeyId: "AKIAEXAMPLE",
    };
    const rendered = await render(
      "production",
      { monitoring: { loki: { objectStorage } } },
      { lokiSecretAccessKey: "s3-secret-value" },
    );
    const ns = "leadms-production-monitoring";
    const text = find(rendered.objects, "ConfigMap", "loki-config", ns).data["loki.yaml"];
    const config = parse(text);
    expect(config.common.storage.s3).toMatchObject({
      endpoint: objectStorage.endpoint,
      bucketnames: "leadms-logs",
      secret_access_key: `${"$"}{LOKI_S3_SECRET_ACCESS_KEY}`,
    });
    expect(config.schema_config.configs[0].object_store).toBe("s3");
    expect(text).not.toContain("s3-secret-value");
    const env = find(rendered.objects, "StatefulSet", "loki", ns).spec.template.spec.containers[0].env;
    expect(env).toEqual([
      {
        name: "LOKI_S3_SECRET_ACCESS_KEY",
        valueFrom: { secretKeyRef: { name: "loki-object-storage", key: "LOKI_S3_SECRET_ACCESS_KEY" } },
      },
    ]);
  });
});

describe("Alloy", () => {
  it("reads logs through the API with read-only access to pods in the stack's namespaces", () => {
    for (const namespace of ["leadms-staging", MON]) {
      const role = find(staging.objects, "Role", "alloy-logs", namespace);
      expect(role.rules).toEqual([
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
      ]);
    }
    const deployment = find(staging.objects, "Deployment", "alloy", MON);
    const config = find(staging.objects, "ConfigMap", "alloy-config", MON).data["config.alloy"];
    expect(deployment.spec.template.metadata.annotations["leadms.io/config-checksum"]).toBe(sha256(config));
    expect(deployment.spec.template.spec.volumes.every((v: any) => !v.hostPath)).toBe(true);
    expect(config).toContain('url = "http://loki.leadms-staging-monitoring.svc:3100/loki/api/v1/push"');
  });

  it("is scraped by Prometheus, with Grafana and Loki", () => {
    const config = parse(find(staging.objects, "ConfigMap", "prometheus-config", MON).data["prometheus.yml"]);
    const jobs = Object.fromEntries(
      config.scrape_configs.map((j: any) => [j.job_name, j.static_configs?.[0]?.targets]),
    );
    expect(jobs.grafana).toEqual([`grafana.${MON}.svc:3000`]);
    expect(jobs.loki).toEqual([`loki.${MON}.svc:3100`]);
    expect(jobs.alloy).toEqual([`alloy.${MON}.svc:12345`]);
  });
});
