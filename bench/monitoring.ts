/**
 * bench:monitoring: the backend's /metrics as Prometheus sees it (series, bytes, scrape time p99) with
 * every route exercised, and again after 10,000 distinct lead ids and 10,000 unknown paths were
 * requested (the series count must not grow: exits 1 if it does). Then the alerting stack's requests
 * and limits per stack, beside kube-prometheus-stack's defaults, and the memory Prometheus needs for the
 * measured series.
 */
import { randomUUID } from "node:crypto";
import { createTestDatabase } from "../app/backend/test/support/database.js";
import { authHeaders, startTestService } from "../app/backend/test/support/service.js";
import { formatCpu, formatMemory } from "../infra/quantity.js";
import { renderStack } from "../infra/render/render-stack.js";
import { readStackConfig } from "../infra/render/stack-file.js";
import { summarize } from "../infra/render/summary.js";

const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 200);
const DISTINCT = 10_000;
/** Head-block memory per active series, the usual planning figure for Prometheus 2.x (Robust Perception). */
const BYTES_PER_SERIES = 3 * 1024;
const ROOT = new URL("..", import.meta.url).pathname;

const db = await createTestDatabase();
const service = await startTestService(db.url, { LOG_LEVEL: "silent" });
const url = service.url;

async function scrape(): Promise<{ series: number; ownSeries: number; bytes: number; p99Ms: number }> {
  const times: number[] = [];
  let text = "";
  for (let i = 0; i < SCRAPES; i++) {
    const started = performance.now();
    text = await (await fetch(`${url}/metrics`)).text();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  // A sample line per series; comments are # HELP and # TYPE.
  const samples = text.split("\n").filter((line) => line && !line.startsWith("#"));
  return {
    series: samples.length,
    ownSeries: samples.filter((line) => line.startsWith("leadms_")).length,
    bytes: Buffer.byteLength(text),
    p99Ms: times[Math.floor(times.length * 0.99)] as number,
  };
}

try {
  // Every route and outcome once.
  const created = await fetch(`${url}/api/leads`, {
    method: "POST",
    headers: authHeaders(),
    body: JSON.stringify({ name: "Ada", email: "ada@example.com", source: "website" }),
  });
  const { id } = (await created.json()) as { id: string };
  await fetch(`${url}/api/leads/${id}`, { headers: authHeaders() });
  await fetch(`${url}/api/leads?status=new`, { headers: authHeaders() });
  await fetch(`${url}/api/leads/${id}/status`, {
    method: "PATCH",
    headers: authHeaders(),
    body: JSON.stringify({ status: "contacted" }),
  });
  await fetch(`${url}/api/leads`, { method: "POST", headers: authHeaders(), body: "{}" });
  await fetch(`${url}/api/leads`, { headers: { authorization: "Bearer wrong-token-0123456789-abcdef" } });
  await fetch(`${url}/api/status`);
  // One unknown lead and one unknown path: the outcomes the 20,000 requests below repeat.
  await fetch(`${url}/api/leads/${randomUUID()}`, { headers: authHeaders() });
  await fetch(`${url}/no-such-path`);
  const before = await scrape();

  for (let i = 0; i < DISTINCT; i++) {
    await fetch(`${url}/api/leads/${randomUUID()}`, { headers: authHeaders() });
    await fetch(`${url}/no-such-path/${i}`);
  }
  const after = await scrape();
  // The service's own series must stay put; Node's GC histogram adds a bounded set once each GC kind ran.
  const grew = after.ownSeries > before.ownSeries;
  console.log(
    [
      "backend /metrics, every route exercised, then after 10,000 distinct lead ids and 10,000 unknown paths:",
      `  leadms_* series  ${before.ownSeries} -> ${after.ownSeries}  ${grew ? "GREW" : "ok (no growth)"}`,
      `  all series       ${before.series} -> ${after.series}  (Node's GC histogram gains a kind once that GC has run)`,
      `  bytes    ${before.bytes} -> ${after.bytes}`,
      `  scrape p99  ${before.p99Ms.toFixed(2)} ms -> ${after.p99Ms.toFixed(2)} ms  (${SCRAPES} scrapes each)`,
    ].join("\n"),
  );

  console.log(
    "monitoring stack (Prometheus, Alertmanager, exporters, kube-state-metrics, Grafana, Loki, Alloy; node-exporter per node):",
  );
  for (const stack of ["staging", "production"]) {
    const { objects, resources } = await renderStack(
      stack,
      readStackConfig(`${ROOT}Pulumi.yaml`, `${ROOT}Pulumi.${stack}.yaml`),
    );
    const { byNamespace } = summarize(objects, resources);
    const monitoring = Object.entries(byNamespace).filter(([namespace]) =>
      /-monitoring$|-node-exporter$/.test(namespace),
    );
    const sum = (kind: "requests" | "limits", resource: "cpu" | "memory") =>
      monitoring.reduce((total, [, totals]) => total + totals[kind][resource], 0);
    console.log(
      `  ${stack.padEnd(10)} requests ${formatCpu(sum("requests", "cpu"))} / ${formatMemory(sum("requests", "memory"))}` +
        `, limits ${formatCpu(sum("limits", "cpu"))} / ${formatMemory(sum("limits", "memory"))}`,
    );
  }
  console.log(
    "  kube-prometheus-stack defaults: none set (resources: {}) for Prometheus, Alertmanager and its exporters",
  );
  const pods = 10;
  const seriesAtScale = after.series * pods;
  console.log(
    `memory for the backend's series: ${after.series} per pod, ${seriesAtScale} at production's ${pods} pods` +
      ` = ${formatMemory(seriesAtScale * BYTES_PER_SERIES)} at ${BYTES_PER_SERIES / 1024} KiB per series`,
  );
  process.exitCode = grew ? 1 : 0;
} finally {
  await service.stop();
  await db.drop();
}
