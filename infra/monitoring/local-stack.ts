import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, openSync, writeFileSync } from "node:fs";
import net from "node:net";
import * as path from "node:path";
import { stringify } from "yaml";
import { type AlertRuleContext, toRuleFile } from "./alert-rules.js";
import { type AlertmanagerConfigOptions, alertmanagerConfig } from "./alertmanager-config.js";
import { type PrometheusConfigOptions, prometheusConfig } from "./prometheus-config.js";

/**
 * The alerting stack on loopback, from Debian's binaries: Prometheus and Alertmanager with the stack's
 * rules and routing tree, and the exporters, all on 127.0.0.1 against a backend that runs already. Used
 * by the live tests and by `npm run monitoring:up`.
 */
export interface LocalStackOptions {
  /** Where configs, data and logs go. */
  readonly dir: string;
  /** `host:port` of the running backend. */
  readonly backend: string;
  /** PostgreSQL and Redis URLs the exporters connect to. */
  readonly postgresUrl: string;
  readonly redisUrl: string;
  /** nginx's stub_status URL, when a status page runs. */
  readonly nginxStatusUrl?: string;
  readonly prometheus: PrometheusConfigOptions;
  readonly rules: AlertRuleContext;
  readonly alertmanager: AlertmanagerConfigOptions;
  /** Every receiver's notifications go to this URL (a local webhook) in place of Slack and PagerDuty. */
  readonly webhookUrl: string;
  /** Interval of scrapes and rule evaluation; the rules fire without their `for` delays. */
  readonly interval: string;
  /** Run the processes detached from this one (for `monitoring:up`), writing their PIDs to `<dir>/pids`. */
  readonly detached?: boolean;
}

export interface LocalStack {
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
  readonly processes: readonly { readonly name: string; readonly pid: number }[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForHttp(url: string, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; see its log`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    if (Date.now() > deadline) throw new Error(`${name} did not answer ${url} within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  mkdirSync(options.dir, { recursive: true });
  const ports = {
    prometheus: await freePort(),
    alertmanager: await freePort(),
    postgres: await freePort(),
    redis: await freePort(),
    node: await freePort(),
    nginx: await freePort(),
  };
  const at = (port: number) => `127.0.0.1:${port}`;
  const children: { name: string; child: ChildProcess }[] = [];
  const start = (name: string, command: string, args: string[], env: Record<string, string> = {}) => {
    const log = openSync(path.join(options.dir, `${name}.log`), "w");
    const child = spawn(command, args, {
      cwd: options.dir,
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", log, log],
      detached: options.detached ?? false,
    });
    if (options.detached) child.unref();
    children.push({ name, child });
    return child;
  };

  const webhook = { webhook_configs: [{ url: options.webhookUrl, send_resolved: true }] };
  const alertmanagerFile = alertmanagerConfig({
    ...options.alertmanager,
    receiverOverrides: { chat: webhook, pager: webhook, watchdog: webhook },
    timing: { groupWait: "1s", groupInterval: "1s", repeatInterval: "1h" },
  });
  writeFileSync(path.join(options.dir, "alertmanager.yml"), stringify(alertmanagerFile));
  writeFileSync(
    path.join(options.dir, "rules.yml"),
    stringify(toRuleFile(options.rules, { immediate: true })),
  );
  const staticTargets: Record<string, string[]> = {
    backend: [options.backend],
    postgres: [at(ports.postgres)],
    redis: [at(ports.redis)],
    node: [at(ports.node)],
    alertmanager: [at(ports.alertmanager)],
    prometheus: [at(ports.prometheus)],
    ...(options.nginxStatusUrl ? { frontend: [at(ports.nginx)] } : {}),
  };
  const prometheusFile = prometheusConfig({
    ...options.prometheus,
    scrapeInterval: options.interval,
    staticTargets,
    ruleFiles: ["rules.yml"],
  });
  writeFileSync(path.join(options.dir, "prometheus.yml"), stringify(prometheusFile));

  try {
    const postgres = start(
      "postgres-exporter",
      "prometheus-postgres-exporter",
      [`--web.listen-address=${at(ports.postgres)}`],
      {
        DATA_SOURCE_NAME: options.postgresUrl,
      },
    );
    const redis = start("redis-exporter", "prometheus-redis-exporter", [
      `-redis.addr=${options.redisUrl}`,
      `-web.listen-address=${at(ports.redis)}`,
    ]);
    const node = start("node-exporter", "prometheus-node-exporter", [
      `--web.listen-address=${at(ports.node)}`,
    ]);
    const nginx = options.nginxStatusUrl
      ? start("nginx-exporter", "prometheus-nginx-exporter", [
          `-nginx.scrape-uri=${options.nginxStatusUrl}`,
          `-web.listen-address=${at(ports.nginx)}`,
        ])
      : undefined;
    const alertmanager = start("alertmanager", "prometheus-alertmanager", [
      "--config.file=alertmanager.yml",
      `--storage.path=${path.join(options.dir, "alertmanager-data")}`,
      `--web.listen-address=${at(ports.alertmanager)}`,
      "--cluster.listen-address=",
    ]);
    const prometheus = start("prometheus", "prometheus", [
      "--config.file=prometheus.yml",
      `--storage.tsdb.path=${path.join(options.dir, "prometheus-data")}`,
      `--web.listen-address=${at(ports.prometheus)}`,
      // Alerts raised before Prometheus has found Alertmanager are resent after this delay (default 1m).
      "--rules.alert.resend-delay=2s",
    ]);
    await Promise.all([
      waitForHttp(`http://${at(ports.postgres)}/metrics`, postgres, "postgres-exporter"),
      waitForHttp(`http://${at(ports.redis)}/metrics`, redis, "redis-exporter"),
      waitForHttp(`http://${at(ports.node)}/metrics`, node, "node-exporter"),
      ...(nginx ? [waitForHttp(`http://${at(ports.nginx)}/metrics`, nginx, "nginx-exporter")] : []),
      waitForHttp(`http://${at(ports.alertmanager)}/-/ready`, alertmanager, "alertmanager"),
      waitForHttp(`http://${at(ports.prometheus)}/-/ready`, prometheus, "prometheus"),
    ]);
  } catch (error) {
    for (const { child } of children) child.kill("SIGTERM");
    throw error;
  }

  const processes = children.map(({ name, child }) => ({ name, pid: child.pid as number }));
  if (options.detached)
    writeFileSync(path.join(options.dir, "pids"), processes.map((p) => `${p.pid} ${p.name}`).join("\n"));
  return {
    prometheusUrl: `http://${at(ports.prometheus)}`,
    alertmanagerUrl: `http://${at(ports.alertmanager)}`,
    processes,
    stop: async () => {
      await Promise.all(
        children.map(({ child }) =>
          child.exitCode !== null
            ? undefined
            : new Promise((resolve) => {
                child.once("exit", resolve);
                child.kill("SIGTERM");
              }),
        ),
      );
    },
  };
}
