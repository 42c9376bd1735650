import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { StackConfig } from "../../infra/config.js";
import { alertRuleContext, toRuleFile } from "../../infra/monitoring/alert-rules.js";
import { alertmanagerConfig } from "../../infra/monitoring/alertmanager-config.js";
import { prometheusConfig } from "../../infra/monitoring/prometheus-config.js";
import { alertmanagerOptions, prometheusOptions } from "../../infra/monitoring/stack-monitoring.js";
import { STACKS, stackConfigs } from "../infra/support/render.js";
import { filesIn, runTool } from "./support/tools.js";

const configs = await stackConfigs();
const scratch: { cleanup: () => void }[] = [];
afterAll(() => {
  for (const dir of scratch) dir.cleanup();
});

/** Every job's targets on loopback: the same jobs, with fixed addresses in place of discovery. */
const STATIC_TARGETS = {
  backend: ["127.0.0.1:3000"],
  frontend: ["127.0.0.1:9113"],
  postgres: ["127.0.0.1:9187"],
  redis: ["127.0.0.1:9121"],
  "kube-state-metrics": ["127.0.0.1:8080"],
  node: ["127.0.0.1:9100"],
  kubelet: ["127.0.0.1:10250"],
  cadvisor: ["127.0.0.1:10250"],
  alertmanager: ["127.0.0.1:9093"],
  grafana: ["127.0.0.1:3001"],
  loki: ["127.0.0.1:3100"],
  alloy: ["127.0.0.1:12345"],
  prometheus: ["127.0.0.1:9090"],
};

function check(config: Record<string, unknown>, config_: StackConfig) {
  const files = filesIn({
    "prometheus.yml": stringify(config),
    "rules.yml": stringify(toRuleFile(alertRuleContext(config_))),
  });
  scratch.push(files);
  return runTool("promtool", ["check", "config", "prometheus.yml"], files.dir);
}

const alertmanagerFile = (config: StackConfig, secrets = { slack: true, pagerduty: true }) => {
  const files = filesIn({
    "alertmanager.yml": stringify(alertmanagerConfig({ ...alertmanagerOptions(config), secrets })),
  });
  scratch.push(files);
  return files;
};

/** The receivers amtool routes the labels to (its first line; a warning about flags may follow). */
const routesTest = (dir: string, ...labels: string[]) =>
  runTool(
    "amtool",
    ["config", "routes", "test", "--config.file=alertmanager.yml", ...labels],
    dir,
  ).output.split("\n")[0];

describe.each(STACKS)("the %s Prometheus configuration", (stack) => {
  const config = configs[stack];

  it("passes promtool check config with its rule files, the scrape jobs given static targets", () => {
    const result = check(
      prometheusConfig({
        ...prometheusOptions(config),
        staticTargets: STATIC_TARGETS,
        ruleFiles: ["rules.yml"],
      }),
      config,
    );
    expect(result.output).toContain("SUCCESS: prometheus.yml is valid prometheus config file syntax");
    expect(result.output).toContain("SUCCESS: 23 rules found");
    expect(result.code).toBe(0);
  });

  it("differs in the cluster only by Kubernetes discovery, which Debian's promtool lacks", () => {
    const cluster = prometheusConfig({ ...prometheusOptions(config), ruleFiles: ["rules.yml"] }) as any;
    const loopback = prometheusConfig({
      ...prometheusOptions(config),
      staticTargets: STATIC_TARGETS,
      ruleFiles: ["rules.yml"],
    }) as any;
    expect(cluster.scrape_configs.map((job: any) => job.job_name)).toEqual(
      loopback.scrape_configs.map((job: any) => job.job_name),
    );
    expect(cluster.global).toEqual(loopback.global);
    expect(cluster.global.external_labels).toEqual({ environment: stack });
    const result = check(cluster, config);
    expect(result.code).toBe(1);
    expect(result.output).toContain("field kubernetes_sd_configs not found");
  });

  it("passes with remote storage configured too", () => {
    const remoteWrite = { url: "https://mimir.example.com/api/v1/push", username: "leadms" };
    const result = check(
      prometheusConfig({
        ...prometheusOptions(config),
        remoteWrite,
        staticTargets: STATIC_TARGETS,
        ruleFiles: ["rules.yml"],
      }),
      config,
    );
    expect(result.output).toContain("SUCCESS: prometheus.yml is valid prometheus config file syntax");
    expect(result.code).toBe(0);
  });

  it("fails promtool when a rule file it names is missing", () => {
    const result = check(
      prometheusConfig({
        ...prometheusOptions(config),
        staticTargets: STATIC_TARGETS,
        ruleFiles: ["missing.yml"],
      }),
      config,
    );
    expect(result.code).toBe(1);
  });
});

describe("the Alertmanager configuration", () => {
  it.each(STACKS)("of %s passes amtool check-config, with and without the receivers' secrets", (stack) => {
    for (const secrets of [
      { slack: true, pagerduty: true },
      { slack: false, pagerduty: false },
    ]) {
      const files = alertmanagerFile(configs[stack], secrets);
      const result = runTool("amtool", ["check-config", "alertmanager.yml"], files.dir);
      expect(result.output).toContain("SUCCESS");
      expect(result.code).toBe(0);
    }
  });

  it("pages for critical alerts in production, and sends them and warnings to chat", () => {
    const { dir } = alertmanagerFile(configs.production as StackConfig);
    expect(routesTest(dir, "severity=critical", "environment=production", "alertname=BackendDown")).toBe(
      "pager,chat",
    );
    expect(routesTest(dir, "severity=warning", "environment=production", "alertname=TargetDown")).toBe(
      "chat",
    );
    expect(routesTest(dir, "severity=none", "environment=production", "alertname=Watchdog")).toBe("watchdog");
  });

  it("never pages from staging", () => {
    const { dir } = alertmanagerFile(configs.staging as StackConfig);
    expect(routesTest(dir, "severity=critical", "environment=staging", "alertname=BackendDown")).toBe("chat");
    expect(routesTest(dir, "severity=warning", "environment=staging", "alertname=TargetDown")).toBe("chat");
    const config = alertmanagerConfig(alertmanagerOptions(configs.staging as StackConfig)) as any;
    expect(config.receivers.map((r: any) => r.name)).toEqual(["chat", "watchdog"]);
  });

  it("reads the receivers' URL and key from files, never from the configuration itself", () => {
    const config = alertmanagerConfig({
      ...alertmanagerOptions(configs.production as StackConfig),
      secrets: { slack: true, pagerduty: true },
    }) as any;
    const [chat, pager] = config.receivers;
    expect(chat.slack_configs[0].api_url_file).toBe("/etc/alertmanager/secrets/slack-webhook-url");
    expect(chat.slack_configs[0].api_url).toBeUndefined();
    expect(pager.pagerduty_configs[0].routing_key_file).toBe(
      "/etc/alertmanager/secrets/pagerduty-routing-key",
    );
    expect(config.inhibit_rules).toEqual([
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ["environment", "job", "instance"],
      },
    ]);
  });
});
