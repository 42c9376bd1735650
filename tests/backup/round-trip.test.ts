import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../app/backend/test/support/database.js";
import {
  backUp,
  backupDirectory,
  databaseExists,
  dropDatabase,
  listFiles,
  pgEnv,
  runScript,
  type ScriptResult,
  tableFingerprints,
} from "./support/scripts.js";
import { seedVariedTables } from "./support/seed.js";

let source: TestDatabase;
const backups = backupDirectory();
const restored = `leadms_test_restored_${process.pid}`;
let backup: ScriptResult;

beforeAll(async () => {
  source = await createTestDatabase();
  await seedVariedTables(source.name);
  backup = await backUp(source.name, backups.dir);
});
afterAll(async () => {
  await dropDatabase(restored);
  await source?.drop();
  backups.cleanup();
});

describe("a backup and its restore", () => {
  it("writes the dump, its checksum and its manifest, and logs JSON lines", () => {
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    const files = listFiles(backups.dir);
    expect(files).toHaveLength(3);
    const id = `${source.name}-`;
    expect(files.every((file) => file.startsWith(id))).toBe(true);
    const dump = files.find((file) => file.endsWith(".dump.zst")) as string;
    const manifest = JSON.parse(
      readFileSync(path.join(backups.dir, dump.replace(".dump.zst", ".json")), "utf8"),
    );
    const bytes = readFileSync(path.join(backups.dir, dump));
    expect(manifest).toMatchObject({
      file: dump,
      database: source.name,
      format: "custom-zstd-pipe",
      sizeBytes: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      tables: {
        "public.accounts": true,
        "public.documents": true,
        "public.empty_table": false,
        "audit.events": true,
      },
    });
    expect(manifest.serverVersion).toMatch(/^\d+\.\d+/);
    expect(Date.parse(manifest.finishedAt)).toBeGreaterThanOrEqual(Date.parse(manifest.startedAt));
    expect(readFileSync(path.join(backups.dir, dump.replace(".dump.zst", ".sha256")), "utf8")).toBe(
      `${manifest.sha256}  ${dump}\n`,
    );
    expect(backup.logs.map((line) => line.msg)).toEqual(["dump started", "dump verified", "backup finished"]);
    expect(backup.logs.every((line) => line.level === "info" && line.script === "backup-database.sh")).toBe(
      true,
    );
  });

  it("restores into a fresh database with every table's ordered contents equal", async () => {
    const restore = await runScript("restore-database.sh", ["--target", restored], {
      ...pgEnv("postgres"),
      BACKUP_DIR: backups.dir,
    });
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    const [before, after] = [await tableFingerprints(source.name), await tableFingerprints(restored)];
    expect(Object.keys(before)).toEqual([
      "audit.events",
      "public.accounts",
      "public.documents",
      "public.empty_table",
    ]);
    expect(after).toEqual(before);
    const counts = restore.logs
      .filter((line) => line.msg === "row count")
      .map((line) => `${line.table}=${line.rows}`);
    expect(counts).toEqual([
      "audit.events=50",
      "public.accounts=200",
      "public.documents=2000",
      "public.empty_table=0",
    ]);
  });

  it("passes the restore check, which leaves no scratch database behind", async () => {
    const check = await runScript("verify-backup.sh", [], {
      ...pgEnv(source.name),
      BACKUP_DIR: backups.dir,
      VERIFY_DATABASE_PREFIX: "leadms_test_check",
    });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const passed = check.logs.find((line) => line.msg === "restore check passed");
    expect(passed?.tables).toBe(4);
    const scratch = String(check.logs.find((line) => line.msg === "restore check started")?.scratchDatabase);
    expect(scratch).toMatch(/^leadms_test_check_/);
    expect(await databaseExists(scratch)).toBe(false);
  });
});
