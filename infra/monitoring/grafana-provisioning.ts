import { DATASOURCES } from "./dashboards.js";

export const DASHBOARDS_DIR = "/var/lib/grafana/dashboards";

export interface GrafanaDatasourceUrls {
  readonly prometheus: string;
  readonly loki: string;
  readonly alertmanager: string;
}

/** provisioning/datasources/leadms.yaml: the three datasources, with the uids the dashboards name. */
export function datasourcesProvisioning(urls: GrafanaDatasourceUrls): Record<string, unknown> {
  return {
    apiVersion: 1,
    prune: true,
    datasources: [
      {
        name: "Prometheus",
        ...DATASOURCES.prometheus,
        access: "proxy",
        url: urls.prometheus,
        isDefault: true,
        editable: false,
      },
      { name: "Loki", ...DATASOURCES.loki, access: "proxy", url: urls.loki, editable: false },
      {
        name: "Alertmanager",
        ...DATASOURCES.alertmanager,
        access: "proxy",
        url: urls.alertmanager,
        jsonData: { implementation: "prometheus" },
        editable: false,
      },
    ],
  };
}

/** provisioning/dashboards/leadms.yaml: load every dashboard JSON from DASHBOARDS_DIR, read-only. */
export function dashboardsProvisioning(): Record<string, unknown> {
  return {
    apiVersion: 1,
    providers: [
      {
        name: "leadms",
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: DASHBOARDS_DIR, foldersFromFilesStructure: false },
      },
    ],
  };
}
