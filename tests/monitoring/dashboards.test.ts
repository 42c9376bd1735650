import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { alloyConfig, JSON_APPS, STREAM_LABELS } from "../../infra/monitoring/alloy-config.js";
import { DATASOURCES, dashboards } from "../../infra/monitoring/dashboards.js";
import {
  dashboardsProvisioning,
  datasourcesProvisioning,
} from "../../infra/monitoring/grafana-provisioning.js";
import { find, render } from "../infra/support/render.js";
import { streamLabels } from "./support/logql.js";

const all = dashboards({ namespace: "leadms-staging", environment: "staging" });
const panels = all.flatMap((d) => (d.panels ?? []).map((p: any) => ({ dashboard: d.uid, ...p })));
const targets = panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => ({ panel: p.title, ...t })));

describe("the dashboards", () => {
  it("are the six the platform needs, each with a unique uid, as JSON that round-trips", () => {
    expect(all.map((d) => d.uid)).toEqual([
      "leadms-service",
      "leadms-dependencies",
      "leadms-business",
      "leadms-backups",
      "leadms-logs",
      "leadms-nodes",
    ]);
    expect(new Set(all.map((d) => d.uid)).size).toBe(all.length);
    for (const dashboard of all) {
      const json = JSON.stringify(dashboard);
      const parsed = JSON.parse(json);
      expect(JSON.stringify(parsed)).toBe(json);
      expect(parsed.panels.length).toBe(dashboard.panels?.length);
      expect(parsed.schemaVersion).toBeGreaterThan(0);
    }
  });

  it("give every panel a description, and every metric panel a unit and thresholds", () => {
    for (const panel of panels as any[]) {
      expect(panel.description, panel.title).toBeTruthy();
      if (panel.type === "logs") continue;
      expect(panel.fieldConfig.defaults.unit, panel.title).toBeTruthy();
      expect(panel.fieldConfig.defaults.thresholds.steps.length, panel.title).toBeGreaterThanOrEqual(2);
    }
  });

  it("name only the provisioned datasources, by uid, with a refId on every query", () => {
    const provisioned = (
      datasourcesProvisioning({ prometheus: "p", loki: "l", alertmanager: "a" }).datasources as any[]
    ).map((d) => d.uid);
    expect(provisioned.sort()).toEqual(
      Object.values(DATASOURCES)
        .map((d) => d.uid)
        .sort(),
    );
    for (const target of targets as any[]) {
      expect(provisioned).toContain(target.datasource.uid);
      expect(target.refId).toMatch(/^[A-H]$/);
    }
  });

  it("query Loki with parseable LogQL that selects only the labels Alloy sets", () => {
    const lokiTargets = targets.filter((t: any) => t.datasource.uid === "loki");
    expect(lokiTargets.length).toBeGreaterThanOrEqual(3);
    for (const target of lokiTargets as any[]) {
      for (const label of streamLabels(target.expr))
        expect(STREAM_LABELS as readonly string[], `${target.panel}: ${label}`).toContain(label);
    }
    // The request id is structured metadata, filtered after the selector: never a stream label.
    expect(lokiTargets.some((t: any) => t.expr.includes('| request_id="$request_id"'))).toBe(true);
  });
});

describe("the Grafana provisioning", () => {
  it("loads the dashboards read-only from the mounted directory", () => {
    expect(dashboardsProvisioning()).toMatchObject({
      providers: [
        {
          type: "file",
          disableDeletion: true,
          allowUiUpdates: false,
          options: { path: "/var/lib/grafana/dashboards" },
        },
      ],
    });
  });

  it("renders datasources that point at the stack's own services", async () => {
    const { objects } = await render("staging");
    const provisioning = find(objects, "ConfigMap", "grafana-provisioning", "leadms-staging-monitoring").data;
    const datasources = parse(provisioning["datasources.yaml"]).datasources;
    expect(datasources.map((d: any) => `${d.uid}=${d.url}`)).toEqual([
      "prometheus=http://prometheus.leadms-staging-monitoring.svc:9090",
      "loki=http://loki.leadms-staging-monitoring.svc:3100",
      "alertmanager=http://alertmanager.leadms-staging-monitoring.svc:9093",
    ]);
    const files = find(objects, "ConfigMap", "grafana-dashboards", "leadms-staging-monitoring").data;
    expect(Object.keys(files).sort()).toEqual(all.map((d) => `${d.uid}.json`).sort());
  });
});

describe("the Alloy configuration", () => {
  const config = alloyConfig({
    namespaces: ["leadms-staging", "leadms-staging-monitoring"],
    lokiUrl: "http://loki:3100/loki/api/v1/push",
  });

  it("reads pod logs through the Kubernetes API in the stack's namespaces and pushes to Loki", () => {
    expect(config).toContain('discovery.kubernetes "pods" {\n  role = "pod"');
    expect(config).toContain('names = ["leadms-staging", "leadms-staging-monitoring"]');
    expect(config).toContain('loki.source.kubernetes "pods"');
    expect(config).toContain('url = "http://loki:3100/loki/api/v1/push"');
    expect(config).not.toContain("local.file_match");
  });

  it("labels streams with namespace, pod, container and app only, and level from the JSON apps", () => {
    const targets = [...config.matchAll(/target_label\s+= "([a-z_]+)"/g)].map((m) => m[1]);
    expect(targets).toEqual(["namespace", "pod", "container", "app"]);
    expect(config).toContain(`selector = "{app=~\\"${JSON_APPS.join("|")}\\"}"`);
    expect(config).toMatch(/stage\.labels \{\n\s+values = \{ level = "" \}/);
    expect(config).toMatch(/stage\.structured_metadata \{\n\s+values = \{ request_id = "", event = "" \}/);
  });
});
