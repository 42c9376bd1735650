// npm run monitoring:up | monitoring:down: the alerting stack on 127.0.0.1 against a backend started
// with `npm run backend`, with the staging stack's rules (firing without their `for` delays) and routing.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { loadStackConfig, type StackConfig } from "../config.js";
import { renderProgram } from "../render/render-stack.js";
import { readStackConfig } from "../render/stack-file.js";
import { alertRuleContext } from "./alert-rules.js";
import { startLocalStack } from "./local-stack.js";
import { alertmanagerOptions, prometheusOptions } from "./stack-monitoring.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const STATE = path.join(ROOT, ".monitoring");
const env = (name: string, fallback: string) => process.env[name] ?? fallback;

async function stagingConfig(): Promise<StackConfig> {
  let config: StackConfig | undefined;
  const values = readStackConfig(path.join(ROOT, "Pulumi.yaml"), path.join(ROOT, "Pulumi.staging.yaml"));
  await renderProgram("staging", values, () => {
    config = loadStackConfig("staging");
  });
  return config as StackConfig;
}

async function up(): Promise<void> {
  if (existsSync(path.join(STATE, "pids"))) throw new Error("already running: npm run monitoring:down first");
  const backend = env("BACKEND_ADDRESS", "127.0.0.1:3000");
  if (
    !(await fetch(`http://${backend}/ping`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    throw new Error(
      `no backend answers at ${backend}: start one with npm run backend (or set BACKEND_ADDRESS)`,
    );
  }
  const config = await stagingConfig();
  const stack = await startLocalStack({
    dir: STATE,
    backend,
    postgresUrl: env(
      "MONITORING_POSTGRES_URL",
      "postgresql://postgres@127.0.0.1:5432/leadms_dev?sslmode=disable",
    ),
    redisUrl: env("MONITORING_REDIS_URL", "redis://127.0.0.1:6379"),
    prometheus: prometheusOptions(config),
    rules: alertRuleContext(config),
    alertmanager: alertmanagerOptions(config),
    // Every receiver posts here; by default nowhere, and the alerts are seen in Alertmanager's UI.
    webhookUrl: env("ALERT_WEBHOOK_URL", "http://127.0.0.1:9/alerts"),
    interval: "5s",
    detached: true,
  });
  const urls = `Prometheus   ${stack.prometheusUrl}\nAlertmanager ${stack.alertmanagerUrl}\n`;
  writeFileSync(path.join(STATE, "urls"), urls);
  console.log(`${urls}logs in ${path.relative(process.cwd(), STATE)}/; stop with npm run monitoring:down`);
}

function down(): void {
  const pids = path.join(STATE, "pids");
  if (!existsSync(pids)) {
    console.log("not running");
    return;
  }
  for (const line of readFileSync(pids, "utf8").split("\n").filter(Boolean)) {
    const [pid, name] = line.split(" ");
    try {
      process.kill(Number(pid), "SIGTERM");
      console.log(`stopped ${name}`);
    } catch {
      console.log(`${name} was not running`);
    }
  }
  rmSync(STATE, { recursive: true, force: true });
}

const command = process.argv[2];
if (command === "up") {
  up().then(
    () => process.exit(0),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
} else if (command === "down") {
  down();
} else {
  console.error("usage: tsx infra/monitoring/local-cli.ts up|down");
  process.exit(2);
}
