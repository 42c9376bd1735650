/**
 * bench:backup: generates a database of BENCH_BACKUP_MB (default 1024) MiB in four tables, then times
 * and sizes, in one run: `pg_dump | gzip` (the usual script), `pg_dump -Fc -Z0 --no-sync` to /dev/null
 * (the ceiling: dumping without compressing), scripts/backup-database.sh end to end (dump, verify,
 * checksum, manifest; it and the ceiling alternate over BENCH_ROUNDS rounds, default 3, and their medians
 * count), and scripts/restore-database.sh with one job and with two. Prints the ratios and
 * exits 1 when a target is missed. Uses databases of its own on the local server and drops them.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SERVER_URL = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432";
const SERVER = new URL(SERVER_URL);
const MEGABYTES = Number(process.env.BENCH_BACKUP_MB ?? 1024);
const SOURCE = "leadms_bench_backup";
const RESTORED = ["leadms_bench_restore_1", "leadms_bench_restore_2"];
const TABLES = 4;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const median = (samples: number[]) =>
  [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] as number;

const env = (database: string) => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  PGHOST: SERVER.hostname,
  PGPORT: SERVER.port || "5432",
  PGUSER: decodeURIComponent(SERVER.username) || "postgres",
  PGDATABASE: database,
});

async function sql(database: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: `${SERVER_URL}/${database}` });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** Rows like the leads API's, with text that compresses about as real data does. */
async function generate(): Promise<void> {
  await sql("postgres", `DROP DATABASE IF EXISTS ${SOURCE} WITH (FORCE)`);
  await sql("postgres", `CREATE DATABASE ${SOURCE}`);
  const rowsPerTable = Math.round((MEGABYTES * 2 ** 20) / TABLES / 400);
  for (let t = 1; t <= TABLES; t++) {
    await sql(
      SOURCE,
      `CREATE TABLE leads_${t} AS
       SELECT g AS id, md5(g::text) || '@example.com' AS email, 'Company ' || (g % 5000) AS company,
         (ARRAY['website', 'referral', 'event', 'partner'])[1 + g % 4] AS source,
         repeat(md5((g % 997)::text), 4) || ' ' || md5(random()::text) || ' ' || repeat('note ', g % 20) AS notes,
         now() - g * interval '1 minute' AS created_at
       FROM generate_series(1, ${rowsPerTable}) g;
       ALTER TABLE leads_${t} ADD PRIMARY KEY (id);
       CREATE INDEX ON leads_${t} (created_at);`,
    );
  }
  await sql(SOURCE, "VACUUM ANALYZE");
}

interface Timed {
  readonly seconds: number;
  readonly bytes?: number;
}

function time(command: string, args: string[], environment: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(command, args, {
    env: environment,
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
  return (performance.now() - started) / 1000;
}

const scratch = mkdtempSync(path.join(tmpdir(), "leadms-bench-backup-"));
try {
  const generating = performance.now();
  await generate();
  const { rows } = await sql(SOURCE, "SELECT pg_database_size(current_database()) AS bytes");
  console.log(
    `generated ${(Number(rows[0].bytes) / 2 ** 30).toFixed(2)} GiB in ${((performance.now() - generating) / 1000).toFixed(0)} s`,
  );
  execFileSync("sync");

  const gzipFile = path.join(scratch, "plain.sql.gz");
  const gzip: Timed = {
    seconds: time("bash", ["-c", `set -o pipefail; pg_dump | gzip > "${gzipFile}"`], env(SOURCE)),
    bytes: statSync(gzipFile).size,
  };
  rmSync(gzipFile);
  // The two closest in time alternate over ROUNDS rounds; the medians are compared.
  const backupDir = path.join(scratch, "backups");
  const ceilingTimes: number[] = [];
  const ourTimes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ceilingTimes.push(time("pg_dump", ["-Fc", "-Z0", "--no-sync", "-f", "/dev/null"], env(SOURCE)));
    ourTimes.push(
      time("bash", [path.join(ROOT, "scripts/backup-database.sh")], {
        ...env(SOURCE),
        BACKUP_DIR: backupDir,
        BACKUP_RETENTION_COUNT: "1",
      }),
    );
    // Dump names have a resolution of one second.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const ceiling: Timed = { seconds: median(ceilingTimes) };
  const ours: Timed = {
    seconds: median(ourTimes),
    bytes: statSync(path.join(backupDir, readdirSync(backupDir).find((f) => f.includes(".dump")) as string))
      .size,
  };
  const restore = (jobs: number, target: string) =>
    time(
      "bash",
      [path.join(ROOT, "scripts/restore-database.sh"), "--target", target, "--jobs", String(jobs)],
      {
        ...env("postgres"),
        BACKUP_DIR: backupDir,
        TMPDIR: scratch,
      },
    );
  const single = restore(1, RESTORED[0] as string);
  const parallel = restore(2, RESTORED[1] as string);

  const mib = (bytes = 0) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  const checks = [
    { name: "backup time vs pg_dump | gzip", ratio: ours.seconds / gzip.seconds, target: 0.35 },
    { name: "dump size vs pg_dump | gzip", ratio: (ours.bytes ?? 0) / (gzip.bytes ?? 1), target: 1.1 },
    { name: "backup time vs the ceiling", ratio: ours.seconds / ceiling.seconds, target: 1.5 },
    { name: "parallel restore vs single", ratio: parallel / single, target: 1 },
  ];
  console.log(
    [
      `pg_dump | gzip                       ${gzip.seconds.toFixed(1).padStart(6)} s  ${mib(gzip.bytes)}`,
      `pg_dump -Fc -Z0 --no-sync > null     ${ceiling.seconds.toFixed(1).padStart(6)} s  (median of ${ROUNDS})`,
      `backup-database.sh (end to end)      ${ours.seconds.toFixed(1).padStart(6)} s  ${mib(ours.bytes)}  (median of ${ROUNDS})`,
      `restore-database.sh --jobs 1         ${single.toFixed(1).padStart(6)} s`,
      `restore-database.sh --jobs 2         ${parallel.toFixed(1).padStart(6)} s`,
      ...checks.map(
        (c) =>
          `${c.name.padEnd(36)} ${c.ratio.toFixed(3)}  ${c.ratio <= c.target && (c.target !== 1 || c.ratio < 1) ? "ok" : "MISSED"} (target ${c.target === 1 ? "< 1" : `<= ${c.target}`})`,
      ),
    ].join("\n"),
  );
  process.exitCode = checks.every((c) => (c.target === 1 ? c.ratio < 1 : c.ratio <= c.target)) ? 0 : 1;
} finally {
  for (const database of [SOURCE, ...RESTORED])
    await sql("postgres", `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  rmSync(scratch, { recursive: true, force: true });
}
