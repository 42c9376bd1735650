import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import pg from "pg";
import { PG_SERVER_URL } from "../../../app/backend/test/support/database.js";

export const SCRIPTS = new URL("../../../scripts/", import.meta.url).pathname;
const server = new URL(PG_SERVER_URL);

/** The PG* variables that point the scripts at the shared server (and a database on it). */
export function pgEnv(database: string): Record<string, string> {
  return {
    PGHOST: server.hostname,
    PGPORT: server.port || "5432",
    PGUSER: decodeURIComponent(server.username) || "postgres",
    PGDATABASE: database,
  };
}

export interface ScriptResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The JSON log lines the script wrote on stdout. */
  readonly logs: Record<string, unknown>[];
}

export interface RunningScript {
  readonly child: ChildProcess;
  readonly done: Promise<ScriptResult>;
}

/** Starts one of the scripts with bash, with only the given environment (plus PATH and HOME). */
export function startScript(script: string, args: string[], env: Record<string, string>): RunningScript {
  const child = spawn("bash", [path.join(SCRIPTS, script), ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<ScriptResult>((resolve) => {
    child.on("close", (code) => {
      const logs = stdout
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, stdout, stderr, logs });
    });
  });
  return { child, done };
}

export function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<ScriptResult> {
  return startScript(script, args, env).done;
}

/** backup-database.sh on a database of the shared server into `dir`; `env` adds or overrides variables. */
export function startBackup(database: string, dir: string, env: Record<string, string> = {}): RunningScript {
  return startScript("backup-database.sh", [], { ...pgEnv(database), BACKUP_DIR: dir, ...env });
}

export function backUp(
  database: string,
  dir: string,
  env: Record<string, string> = {},
): Promise<ScriptResult> {
  return startBackup(database, dir, env).done;
}

/** A fresh directory for dumps, removed by `cleanup`. */
export function backupDirectory(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "leadms-backups-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const listFiles = (dir: string) =>
  readdirSync(dir)
    .filter((name) => !name.startsWith("."))
    .sort();

export async function withClient<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${PG_SERVER_URL}/${database}` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fingerprint of every table's ordered contents, by table: equal fingerprints mean equal data. */
export function tableFingerprints(database: string): Promise<Record<string, string>> {
  return withClient(database, async (client) => {
    const { rows: tables } = await client.query<{ name: string }>(
      `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    const fingerprints: Record<string, string> = {};
    for (const { name } of tables) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS digest FROM ${name} t`,
      );
      fingerprints[name] = `${rows[0].n}:${rows[0].digest}`;
    }
    return fingerprints;
  });
}

export async function databaseExists(name: string): Promise<boolean> {
  return withClient("postgres", async (client) => {
    const { rows } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return rows.length === 1;
  });
}

export async function dropDatabase(name: string): Promise<void> {
  await withClient("postgres", (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** The files of the one dump in a directory. */
export function dumpFiles(dir: string): { dump: string; sha256: string; manifest: string } {
  const dump = listFiles(dir).find((file) => /\.dump(\.zst)?$/.test(file));
  if (!dump) throw new Error(`no dump in ${dir}: ${listFiles(dir).join(", ")}`);
  const id = dump.replace(/\.dump(\.zst)?$/, "");
  return {
    dump: path.join(dir, dump),
    sha256: path.join(dir, `${id}.sha256`),
    manifest: path.join(dir, `${id}.json`),
  };
}
