/**
 * bench:backend: the service against bare node:http and against itself with metrics and request logging
 * off. Each server and each autocannon run has a process of its own; this one only orchestrates.
 */
import { type ChildProcess, execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import net from "node:net";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import pg from "pg";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PG_SERVER = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const TOKEN = "bench-token-0123456789-abcdefghij";
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const CONNECTIONS = 32;
const WARM_UP_REQUESTS = 30_000;

/**
 * With two or more cores and taskset, servers share core 1 and the load generator gets core 0, so the
 * two never compete and rounds vary less. Elsewhere both run unpinned.
 */
const PINNED = availableParallelism() >= 2 && spawnSync("taskset", ["-c", "0", "true"]).status === 0;
function pinned(core: number, args: string[]): [string, string[]] {
  return PINNED ? ["taskset", ["-c", String(core), process.execPath, ...args]] : [process.execPath, args];
}

interface Server {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts a server process on a free port and waits until it answers /ping. Its output is discarded. */
async function startServer(name: string, args: string[], env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const [command, argv] = pinned(1, args);
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env, PORT: String(port) },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${name} did not answer within 20 s`);
    const answered = await fetch(`${url}/ping`).then(
      (r) => r.ok,
      () => false,
    );
    if (answered) return { name, url, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  server.child.kill("SIGTERM");
  await once(server.child, "exit");
}

function startService(
  name: string,
  databaseUrl: string,
  keyPrefix: string,
  env: Record<string, string> = {},
) {
  return startServer(name, ["app/backend/dist/main.js"], {
    HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_KEY_PREFIX: keyPrefix,
    API_TOKEN: TOKEN,
    SHUTDOWN_DELAY_MS: "0",
    ...env,
  });
}

interface Measure {
  readonly rps: number;
  readonly p99Ms: number;
}

async function load(url: string, headers: Record<string, string> = {}, amount?: number): Promise<Measure> {
  const options = { url, connections: CONNECTIONS, headers, duration: DURATION_S, amount };
  const [command, argv] = pinned(0, ["bench/load-generator.mjs", JSON.stringify(options)]);
  const { stdout } = await promisify(execFile)(command, argv, { cwd: ROOT });
  const result = JSON.parse(stdout) as Measure & { failed: number };
  if (result.failed > 0) throw new Error(`${url}: ${result.failed} failed requests`);
  return { rps: result.rps, p99Ms: result.p99Ms };
}

/** The q-quantile of the values, interpolated between the nearest ranks. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (position - low);
}
const median = (values: number[]) => quantile(values, 0.5);

interface Pair {
  readonly baseline: () => Promise<Measure>;
  readonly candidate: () => Promise<Measure>;
}

function summarize(rounds: ReadonlyArray<{ baseline: Measure; candidate: Measure }>) {
  const side = (pick: (r: (typeof rounds)[number]) => Measure): Measure => ({
    rps: median(rounds.map((r) => pick(r).rps)),
    p99Ms: median(rounds.map((r) => pick(r).p99Ms)),
  });
  const ratios = rounds.map((r) => r.candidate.rps / r.baseline.rps);
  return {
    baseline: side((r) => r.baseline),
    candidate: side((r) => r.candidate),
    ratio: median(ratios),
    // The spread of the per-round ratios, to read the median against.
    quartiles: [quantile(ratios, 0.25), quantile(ratios, 0.75)] as const,
  };
}

/**
 * Every round measures every pair, baseline then candidate, so drift on the machine over the run hits
 * all comparisons alike rather than whichever ran last. Reports medians per side and of the ratios.
 */
async function compareAll(pairs: readonly Pair[]) {
  const rounds = pairs.map(() => [] as Array<{ baseline: Measure; candidate: Measure }>);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, pair] of pairs.entries()) {
      rounds[i]?.push({ baseline: await pair.baseline(), candidate: await pair.candidate() });
    }
  }
  return rounds.map(summarize);
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) * 1024;
}

async function main() {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "inherit" });
  const dbName = `leadms_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: `${PG_SERVER}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const databaseUrl = `${PG_SERVER}/${dbName}`;
  const keyPrefix = `leadms-bench-${randomBytes(4).toString("hex")}:`;
  const servers: Server[] = [];
  const started = (server: Server) => {
    servers.push(server);
    return server;
  };
  let cleaned: Promise<void> | undefined;
  const cleanUp = () => {
    cleaned ??= (async () => {
      await Promise.all(servers.map(stopServer));
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    })();
    return cleaned;
  };
  // An interrupted run still removes its servers, database and keys.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      cleanUp().finally(() => process.exit(130));
    });
  }
  try {
    const bare = started(await startServer("bare node:http", ["bench/bare-http-server.mjs"], {}));
    const service = started(await startService("service", databaseUrl, keyPrefix));
    const quiet = started(
      await startService("service, metrics and request logs off", databaseUrl, keyPrefix, {
        METRICS_ENABLED: "false",
        LOG_LEVEL: "warn",
      }),
    );

    const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
    const created = await fetch(`${service.url}/api/leads`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ name: "Bench", email: "bench@example.com", source: "website" }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    const leadPath = `/api/leads/${created.id}`;

    for (const server of [bare, service, quiet]) await load(`${server.url}/ping`, {}, 5000);
    const [ping, ready, read] = (await compareAll([
      { baseline: () => load(`${bare.url}/ping`), candidate: () => load(`${service.url}/ping`) },
      {
        baseline: () => load(`${bare.url}/health/ready`),
        candidate: () => load(`${service.url}/health/ready`),
      },
      {
        baseline: () => load(`${quiet.url}${leadPath}`, auth),
        candidate: () => load(`${service.url}${leadPath}`, auth),
      },
    ])) as [ReturnType<typeof summarize>, ReturnType<typeof summarize>, ReturnType<typeof summarize>];

    // Memory on a fresh instance: warm-up first, so JIT code and pools are in place before the baseline.
    const fresh = started(await startService("service, memory", databaseUrl, keyPrefix));
    await load(`${fresh.url}${leadPath}`, auth, WARM_UP_REQUESTS);
    const rssWarm = rssBytes(fresh.child.pid as number);
    await load(`${fresh.url}${leadPath}`, auth, 100_000);
    const rssAfter = rssBytes(fresh.child.pid as number);
    const growthMb = (rssAfter - rssWarm) / 1024 / 1024;

    const row = (label: string, m: Measure) =>
      `  ${label.padEnd(44)} ${m.rps.toFixed(0).padStart(8)} req/s   p99 ${String(m.p99Ms).padStart(4)} ms`;
    const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
    const checks = [
      { name: "/ping vs bare node:http", ...ping, target: 0.9 },
      { name: "/health/ready vs bare node:http", ...ready, target: 0.8 },
      { name: "lead read, metrics+logs on vs off", ...read, target: 0.95 },
    ];
    console.log(
      `\nbench:backend: ${ROUNDS} rounds, each running every pair (baseline, then service) for ${DURATION_S} s, ` +
        `${CONNECTIONS} connections, medians; ` +
        (PINNED ? "servers on core 1, load generator on core 0" : "unpinned"),
    );
    console.log(row("bare node:http  GET /ping", ping.baseline));
    console.log(row("service         GET /ping", ping.candidate));
    console.log(row("bare node:http  GET /health/ready", ready.baseline));
    console.log(row("service         GET /health/ready", ready.candidate));
    console.log(row("service, metrics+logs off  GET lead", read.baseline));
    console.log(row("service, metrics+logs on   GET lead", read.candidate));
    console.log("\nratios (median of the per-round ratios, interquartile range in brackets)");
    for (const c of checks) {
      console.log(
        `  ${c.name.padEnd(40)} ${c.ratio.toFixed(3)} [${c.quartiles.map((q) => q.toFixed(2)).join("-")}]  ` +
          `(target >= ${c.target})  ${verdict(c.ratio >= c.target)}`,
      );
    }
    const rssMb = (n: number) => (n / 1024 / 1024).toFixed(1);
    console.log(
      `  RSS after ${WARM_UP_REQUESTS.toLocaleString("en")} warm-up requests ${rssMb(rssWarm)} MB, ` +
        `after 100,000 more ${rssMb(rssAfter)} MB: ` +
        `growth ${growthMb.toFixed(1)} MB  (target <= 20)  ${verdict(growthMb <= 20)}`,
    );
    const missed = checks.some((c) => c.ratio < c.target) || growthMb > 20;
    process.exitCode = missed ? 1 : 0;
  } finally {
    await cleanUp();
  }
}

await main();
