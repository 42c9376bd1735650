import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../app/backend/test/support/database.js";
import {
  backUp,
  backupDirectory,
  databaseExists,
  dropDatabase,
  dumpFiles,
  pgEnv,
  runScript,
  tableFingerprints,
  withClient,
} from "./support/scripts.js";
import { seedVariedTables } from "./support/seed.js";

let source: TestDatabase;
let occupied: TestDatabase;
const backups = backupDirectory();
const fresh = `leadms_test_fresh_${process.pid}`;
const env = () => ({ ...pgEnv("postgres"), BACKUP_DIR: backups.dir });

beforeAll(async () => {
  [source, occupied] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  await seedVariedTables(source.name);
  await withClient(occupied.name, (client) =>
    client.query("CREATE TABLE keep_me (note text); INSERT INTO keep_me VALUES ('precious')"),
  );
  const backup = await backUp(source.name, backups.dir);
  expect(backup.code, backup.stdout).toBe(0);
});
afterAll(async () => {
  await dropDatabase(fresh);
  await Promise.all([source?.drop(), occupied?.drop()]);
  backups.cleanup();
});

describe("restore-database.sh", () => {
  it("refuses a database that has tables without --force, changing nothing", async () => {
    const before = await tableFingerprints(occupied.name);
    const result = await runScript("restore-database.sh", ["--target", occupied.name], env());
    expect(result.code).toBe(1);
    expect(result.logs.at(-1)).toMatchObject({
      msg: "the target database has tables; pass --force to restore over them",
      target: occupied.name,
      tables: 1,
    });
    expect(await tableFingerprints(occupied.name)).toEqual(before);
  });

  it("restores over it with --force", async () => {
    const result = await runScript(
      "restore-database.sh",
      ["--target", occupied.name, "--force", "--jobs", "1"],
      env(),
    );
    expect(result.code, result.stdout).toBe(0);
    const after = await tableFingerprints(occupied.name);
    expect(after).toMatchObject(await tableFingerprints(source.name));
  });

  it("changes nothing with --dry-run and says what it would do", async () => {
    const result = await runScript("restore-database.sh", ["--target", fresh, "--dry-run"], env());
    expect(result.code, result.stdout).toBe(0);
    expect(result.logs.at(-1)).toMatchObject({
      msg: "dry run: would restore",
      target: fresh,
      createDatabase: "yes",
      jobs: 2,
    });
    expect(await databaseExists(fresh)).toBe(false);
  });

  it("takes a dump by name in BACKUP_DIR or by path", async () => {
    const { dump } = dumpFiles(backups.dir);
    const byName = await runScript(
      "restore-database.sh",
      ["--target", fresh, "--dump", path.basename(dump), "--dry-run"],
      env(),
    );
    expect(byName.code, byName.stdout).toBe(0);
    const byPath = await runScript("restore-database.sh", ["--target", fresh, "--dump", dump], {
      ...pgEnv("postgres"),
    });
    expect(byPath.code, byPath.stdout).toBe(0);
    expect(await tableFingerprints(fresh)).toEqual(await tableFingerprints(source.name));
  });

  it.each([
    [["--dump", "x.dump"], "--target must name the database to restore into", 2],
    [["--target", "db", "--jobs", "many"], '--jobs must be an integer >= 1, got "many"', 1],
    [["--target", "db", "--bogus"], "unknown argument", 2],
    [["--target", "db", "--dump", "/nonexistent/x.dump"], "no such dump file", 1],
  ])("rejects %j with a message naming the problem", async (args, message, code) => {
    const result = await runScript("restore-database.sh", args, env());
    expect(result.code).toBe(code);
    expect(result.logs.map((line) => line.msg)).toContain(message);
  });
});
