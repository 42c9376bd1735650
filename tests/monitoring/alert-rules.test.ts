import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { StackConfig } from "../../infra/config.js";
import {
  type AlertRule,
  alertRuleContext,
  alertRules,
  toRuleFile,
} from "../../infra/monitoring/alert-rules.js";
import { rootPath, STACKS, stackConfigs } from "../infra/support/render.js";
import { filesIn, runTool } from "./support/tools.js";

const configs = await stackConfigs();
const scratch: { cleanup: () => void }[] = [];
afterAll(() => {
  for (const dir of scratch) dir.cleanup();
});

interface Series {
  readonly series: string;
  readonly values: string;
}

/** One promtool case: the series, when to evaluate, and the labels the alert carries if it fires. */
interface Case {
  readonly series: Series[];
  readonly at: string;
  /** Labels of the expression's result, besides severity and environment; absent when it must stay silent. */
  readonly labels?: Record<string, string>;
}

type Cases = (config: StackConfig) => { fires: Case; silent: Case };

const s = (series: string, values: string): Series => ({ series, values });

/** For every alert: input that must make it fire, and input just as close that must not. */
const CASES: Record<string, Cases> = {
  BackendDown: () => ({
    fires: {
      series: [s('up{job="backend",instance="a"}', "0x10")],
      at: "5m",
      labels: { job: "backend", instance: "a" },
    },
    silent: { series: [s('up{job="backend",instance="a"}', "1x10")], at: "5m" },
  }),
  BackendHigh5xxRatio: () => {
    const count = (code: string, perMinute: number) =>
      s(
        `leadms_http_request_duration_seconds_count{job="backend",method="GET",route="/api/leads",status_code="${code}"}`,
        `0+${perMinute}x20`,
      );
    return {
      fires: { series: [count("500", 30), count("200", 30)], at: "15m", labels: {} },
      silent: { series: [count("500", 1), count("200", 99)], at: "15m" },
    };
  },
  BackendHighLatencyP95: () => {
    const bucket = (le: string, perMinute: number) =>
      s(`leadms_http_request_duration_seconds_bucket{job="backend",le="${le}"}`, `0+${perMinute}x30`);
    const les = ["0.1", "0.5", "1", "2.5", "5", "+Inf"];
    return {
      fires: {
        series: les.map((le) => bucket(le, ["5", "+Inf"].includes(le) ? 10 : 0)),
        at: "20m",
        labels: {},
      },
      silent: { series: les.map((le) => bucket(le, 10)), at: "20m" },
    };
  },
  BackendNotReady: () => ({
    fires: {
      series: [s('leadms_dependency_up{job="backend",instance="a",dependency="postgres"}', "0x5")],
      at: "3m",
      labels: { instance: "a", dependency: "postgres" },
    },
    silent: {
      series: [s('leadms_dependency_up{job="backend",instance="a",dependency="postgres"}', "1x5")],
      at: "3m",
    },
  }),
  BackendCrashLooping: (c) => {
    const restarts = (values: string) =>
      s(
        `kube_pod_container_status_restarts_total{namespace="${c.namespace}",pod="backend-1",container="backend"}`,
        values,
      );
    return {
      fires: {
        series: [restarts("0+1x30")],
        at: "25m",
        labels: { namespace: c.namespace, pod: "backend-1", container: "backend" },
      },
      silent: { series: [restarts("0x30")], at: "25m" },
    };
  },
  AuthFailureSpike: (c) => {
    const failures = (perMinute: number) =>
      s('leadms_auth_failures_total{job="backend",reason="invalid"}', `0+${perMinute}x20`);
    const threshold = c.settings.monitoring.thresholds.authFailuresPerMinute;
    return {
      fires: { series: [failures(threshold * 2)], at: "15m", labels: {} },
      silent: { series: [failures(threshold / 2)], at: "15m" },
    };
  },
  PostgresDown: () => ({
    fires: {
      series: [s('pg_up{job="postgres",instance="e"}', "0x5")],
      at: "3m",
      labels: { job: "postgres", instance: "e" },
    },
    silent: { series: [s('pg_up{job="postgres",instance="e"}', "1x5")], at: "3m" },
  }),
  PostgresTooManyConnections: () => {
    const active = (n: number) =>
      s(`pg_stat_activity_count{job="postgres",instance="e",datname="leadms",state="active"}`, `${n}x15`);
    const max = s('pg_settings_max_connections{job="postgres",instance="e"}', "100x15");
    return {
      fires: { series: [active(90), max], at: "10m", labels: { instance: "e" } },
      silent: { series: [active(10), max], at: "10m" },
    };
  },
  PostgresDeadlocks: () => ({
    fires: {
      series: [s('pg_stat_database_deadlocks{job="postgres",instance="e",datname="leadms"}', "0 0 1 1 1")],
      at: "3m",
      labels: { instance: "e", datname: "leadms" },
    },
    silent: {
      series: [s('pg_stat_database_deadlocks{job="postgres",instance="e",datname="leadms"}', "0x5")],
      at: "3m",
    },
  }),
  RedisDown: () => ({
    fires: {
      series: [s('redis_up{job="redis",instance="r"}', "0x5")],
      at: "3m",
      labels: { job: "redis", instance: "r" },
    },
    silent: { series: [s('redis_up{job="redis",instance="r"}', "1x5")], at: "3m" },
  }),
  RedisMemoryNearLimit: () => {
    const used = (n: number) => s('redis_memory_used_bytes{job="redis",instance="r"}', `${n}x10`);
    return {
      fires: {
        series: [used(95), s('redis_memory_max_bytes{job="redis",instance="r"}', "100x10")],
        at: "8m",
        labels: { job: "redis", instance: "r" },
      },
      // Without maxmemory (0), memory use cannot be near it.
      silent: { series: [used(95), s('redis_memory_max_bytes{job="redis",instance="r"}', "0x10")], at: "8m" },
    };
  },
  RedisRejectedConnections: () => ({
    fires: {
      series: [s('redis_rejected_connections_total{job="redis",instance="r"}', "0 0 2 2 2")],
      at: "3m",
      labels: { job: "redis", instance: "r" },
    },
    silent: { series: [s('redis_rejected_connections_total{job="redis",instance="r"}', "0x5")], at: "3m" },
  }),
  BackupTooOld: (c) => {
    const lastSuccess = (values: string) =>
      s(
        `kube_cronjob_status_last_successful_time{namespace="${c.namespace}",cronjob="postgres-backup"}`,
        values,
      );
    const minutes = (Math.ceil(c.settings.monitoring.thresholds.backupMaxAgeHours) + 2) * 60;
    return {
      // The last success stays at promtool's time 0; in the silent case it keeps up with the clock.
      fires: { series: [lastSuccess(`0x${minutes}`)], at: `${minutes}m`, labels: {} },
      silent: { series: [lastSuccess(`0+60x${minutes}`)], at: `${minutes}m` },
    };
  },
  BackupJobFailed: (c) => ({
    fires: {
      series: [
        s(`kube_job_status_failed{namespace="${c.namespace}",job_name="postgres-backup-29400000"}`, "1x3"),
      ],
      at: "1m",
      labels: { job_name: "postgres-backup-29400000" },
    },
    silent: {
      series: [
        s(`kube_job_status_failed{namespace="${c.namespace}",job_name="postgres-backup-29400000"}`, "0x3"),
        s(
          `kube_job_status_failed{namespace="${c.namespace}",job_name="postgres-restore-check-29400000"}`,
          "1x3",
        ),
      ],
      at: "1m",
    },
  }),
  RestoreCheckFailed: (c) => ({
    fires: {
      series: [
        s(
          `kube_job_status_failed{namespace="${c.namespace}",job_name="postgres-restore-check-29400000"}`,
          "1x3",
        ),
      ],
      at: "1m",
      labels: { job_name: "postgres-restore-check-29400000" },
    },
    silent: {
      series: [
        s(`kube_job_status_failed{namespace="${c.namespace}",job_name="postgres-backup-29400000"}`, "1x3"),
      ],
      at: "1m",
    },
  }),
  LokiDown: () => ({
    fires: {
      series: [s('up{job="loki",instance="l"}', "0x10")],
      at: "6m",
      labels: { job: "loki", instance: "l" },
    },
    silent: { series: [s('up{job="loki",instance="l"}', "1x10")], at: "6m" },
  }),
  AlloyDown: () => ({
    fires: {
      series: [s('up{job="alloy",instance="a"}', "0x10")],
      at: "6m",
      labels: { job: "alloy", instance: "a" },
    },
    silent: { series: [s('up{job="alloy",instance="a"}', "1x10")], at: "6m" },
  }),
  TargetDown: () => ({
    fires: {
      series: [s('up{job="redis",instance="x"}', "0x10")],
      at: "6m",
      labels: { job: "redis", instance: "x" },
    },
    silent: { series: [s('up{job="redis",instance="x"}', "1x10")], at: "6m" },
  }),
  PersistentVolumeFillingUp: (c) => {
    const labels = `namespace="${c.namespace}",persistentvolumeclaim="postgres-backups"`;
    const volume = (available: number) => [
      s(`kubelet_volume_stats_available_bytes{${labels}}`, `${available}x10`),
      s(`kubelet_volume_stats_capacity_bytes{${labels}}`, "100x10"),
    ];
    return {
      fires: {
        series: volume(5),
        at: "6m",
        labels: { namespace: c.namespace, persistentvolumeclaim: "postgres-backups" },
      },
      silent: { series: volume(50), at: "6m" },
    };
  },
  NodeHighCpu: () => ({
    fires: {
      series: [s('node_cpu_seconds_total{job="node",instance="n",cpu="0",mode="idle"}', "0+3x30")],
      at: "25m",
      labels: { instance: "n" },
    },
    silent: {
      series: [s('node_cpu_seconds_total{job="node",instance="n",cpu="0",mode="idle"}', "0+57x30")],
      at: "25m",
    },
  }),
  NodeHighMemory: () => {
    const memory = (available: number) => [
      s('node_memory_MemAvailable_bytes{job="node",instance="n"}', `${available}x15`),
      s('node_memory_MemTotal_bytes{job="node",instance="n"}', "100x15"),
    ];
    return {
      fires: { series: memory(5), at: "12m", labels: { job: "node", instance: "n" } },
      silent: { series: memory(50), at: "12m" },
    };
  },
  NodeDiskFilling: () => {
    const disk = (fstype: string, available: number) => [
      s(
        `node_filesystem_avail_bytes{job="node",instance="n",mountpoint="/",fstype="${fstype}"}`,
        `${available}x15`,
      ),
      s(`node_filesystem_size_bytes{job="node",instance="n",mountpoint="/",fstype="${fstype}"}`, "100x15"),
    ];
    return {
      fires: {
        series: disk("ext4", 5),
        at: "12m",
        labels: { job: "node", instance: "n", mountpoint: "/", fstype: "ext4" },
      },
      // A full tmpfs is not a disk.
      silent: { series: disk("tmpfs", 5), at: "12m" },
    };
  },
  // The watchdog has no silent case: it fires always, and its absence at the receiver is the signal.
  Watchdog: () => ({
    fires: { series: [], at: "1m", labels: {} },
    silent: { series: [], at: "1m" },
  }),
};

function promtoolTests(config: StackConfig, rules: AlertRule[]) {
  return rules.flatMap((rule) => {
    const cases = (CASES[rule.alert] as Cases)(config);
    const annotations = toRuleFile(alertRuleContext(config))
      .groups.flatMap((g) => g.rules)
      .find((r) => r.alert === rule.alert)?.annotations;
    const group = (name: "fires" | "silent") => {
      const c = cases[name];
      const firing = name === "fires" || rule.alert === "Watchdog";
      return {
        name: `${rule.alert} ${name}`,
        interval: "1m",
        input_series: c.series,
        alert_rule_test: [
          {
            eval_time: c.at,
            alertname: rule.alert,
            exp_alerts: firing
              ? [
                  {
                    exp_labels: { ...(c.labels ?? {}), severity: rule.severity, environment: config.stack },
                    exp_annotations: annotations,
                  },
                ]
              : [],
          },
        ],
      };
    };
    return [group("fires"), group("silent")];
  });
}

describe.each(STACKS)("the %s alert rules", (stack) => {
  const config = configs[stack];
  const context = alertRuleContext(config);
  const rules = Object.values(alertRules(context)).flat();
  const files = filesIn({ "rules.yml": stringify(toRuleFile(context)) });
  scratch.push(files);

  it("pass promtool check rules", () => {
    const result = runTool("promtool", ["check", "rules", "rules.yml"], files.dir);
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.code).toBe(0);
  });

  it("each have a case that fires and one that stays silent, and promtool test rules passes them all", () => {
    expect(Object.keys(CASES).sort()).toEqual(rules.map((r) => r.alert).sort());
    const tests = {
      rule_files: ["rules.yml"],
      evaluation_interval: "1m",
      tests: promtoolTests(config, rules),
    };
    const testFiles = filesIn({ "rules.yml": stringify(toRuleFile(context)), "tests.yml": stringify(tests) });
    scratch.push(testFiles);
    const result = runTool("promtool", ["test", "rules", "tests.yml"], testFiles.dir);
    expect(result.output).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });

  it("carry a summary, a description and a runbook_url that docs/alerts.md answers", () => {
    const docs = readFileSync(rootPath("docs/alerts.md"), "utf8");
    for (const group of toRuleFile(context).groups) {
      for (const rule of group.rules) {
        expect(rule.annotations.summary.length, rule.alert).toBeGreaterThan(10);
        expect(rule.annotations.description.length, rule.alert).toBeGreaterThan(20);
        const anchor = rule.annotations.runbook_url.split("#")[1];
        expect(rule.annotations.runbook_url.startsWith(config.settings.monitoring.runbookBaseUrl)).toBe(true);
        expect(docs, `docs/alerts.md has a section for ${rule.alert}`).toContain(`\n## ${rule.alert}\n`);
        expect(anchor).toBe(rule.alert.toLowerCase());
        expect(rule.labels).toEqual({
          severity: expect.stringMatching(/^(critical|warning|none)$/),
          environment: stack,
        });
      }
    }
  });
});

describe("promtool test rules", () => {
  it("fails a case whose expectation is wrong, so the cases above can fail", () => {
    const config = configs.staging as StackConfig;
    const context = alertRuleContext(config);
    const rule = alertRules(context).postgres?.[0] as AlertRule;
    const [fires] = promtoolTests(config, [rule]);
    const wrong = { ...fires, alert_rule_test: [{ ...fires?.alert_rule_test[0], exp_alerts: [] }] };
    const files = filesIn({
      "rules.yml": stringify(toRuleFile(context)),
      "tests.yml": stringify({ rule_files: ["rules.yml"], evaluation_interval: "1m", tests: [wrong] }),
    });
    scratch.push(files);
    const result = runTool("promtool", ["test", "rules", "tests.yml"], files.dir);
    expect(result.code).toBe(1);
    expect(result.output).toContain("FAILED");
  });
});
