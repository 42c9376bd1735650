import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../app/backend/test/support/database.js";
import { freePort } from "../../app/frontend/test/support/nginx.js";
import { backUp, backupDirectory, dumpFiles, listFiles, withClient } from "./support/scripts.js";

let db: TestDatabase;
const template = backupDirectory();
let backups: ReturnType<typeof backupDirectory>;
let goodDump: ReturnType<typeof dumpFiles>;

beforeAll(async () => {
  db = await createTestDatabase();
  await withClient(db.name, (client) =>
    client.query("CREATE TABLE t AS SELECT g FROM generate_series(1, 100) g"),
  );
  const backup = await backUp(db.name, template.dir);
  expect(backup.code, backup.stdout).toBe(0);
  goodDump = dumpFiles(template.dir);
});
beforeEach(() => {
  backups?.cleanup();
  backups = backupDirectory();
});
afterAll(async () => {
  backups?.cleanup();
  template.cleanup();
  await db?.drop();
});

const stamp = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");

/** A verified dump of the test database as if made `ageDays` ago (a copy of a real one, renamed). */
function olderDump(ageDays: number, { verified = true, database = db.name } = {}): string {
  const id = `${database}-${stamp(new Date(Date.now() - ageDays * 86_400_000))}`;
  const file = `${id}.dump.zst`;
  copyFileSync(goodDump.dump, path.join(backups.dir, file));
  const digest = readFileSync(goodDump.sha256, "utf8").split(" ")[0];
  writeFileSync(path.join(backups.dir, `${id}.sha256`), `${digest}  ${file}\n`);
  if (verified) {
    const manifest = { ...JSON.parse(readFileSync(goodDump.manifest, "utf8")), file };
    writeFileSync(path.join(backups.dir, `${id}.json`), JSON.stringify(manifest));
  }
  return id;
}

const backupWith = async (days: number, count: number) => {
  const result = await backUp(db.name, backups.dir, {
    BACKUP_RETENTION_DAYS: String(days),
    BACKUP_RETENTION_COUNT: String(count),
  });
  expect(result.code, result.stdout).toBe(0);
  return result;
};
const ids = () =>
  [
    ...new Set(listFiles(backups.dir).map((file) => file.replace(/\.(dump\.zst|dump|sha256|json)$/, ""))),
  ].sort();
const newestOf = (result: Awaited<ReturnType<typeof backupWith>>) =>
  String(result.logs.find((line) => line.msg === "dump verified")?.dump).replace(".dump.zst", "");

describe("retention", () => {
  it("keeps the newest dumps up to the count", async () => {
    const old = [1.5, 2.5, 3.5, 4.5, 5.5, 6.5].map((age) => olderDump(age));
    const result = await backupWith(30, 3);
    expect(ids()).toEqual([old[1], old[0], newestOf(result)].sort());
    const deleted = result.logs
      .filter((line) => line.msg === "deleted by retention")
      .map((line) => line.dump);
    expect(deleted.sort()).toEqual(old.slice(2).sort());
  });

  it("deletes the dumps older than the retention days", async () => {
    const old = [0.5, 1.5, 3.5, 10.5].map((age) => olderDump(age));
    const result = await backupWith(3, 100);
    expect(ids()).toEqual([old[0], old[1], newestOf(result)].sort());
  });

  it("never deletes the newest verified dump, however strict the settings", async () => {
    for (const age of [2.5, 40]) olderDump(age);
    const result = await backupWith(1, 1);
    expect(ids()).toEqual([newestOf(result)]);
    // Each of a dump's files goes: nothing is left half-deleted.
    expect(listFiles(backups.dir)).toHaveLength(3);
  });

  it("leaves unverified dumps and other databases' dumps alone", async () => {
    const unverified = olderDump(50, { verified: false });
    const other = olderDump(50, { database: "another_database" });
    const result = await backupWith(1, 1);
    expect(ids()).toEqual([other, unverified, newestOf(result)].sort());
  });

  it("deletes nothing when the new dump fails", async () => {
    const old = [1.5, 60].map((age) => olderDump(age));
    const result = await backUp(db.name, backups.dir, {
      PGPORT: String(await freePort()),
      BACKUP_RETENTION_DAYS: "1",
      BACKUP_RETENTION_COUNT: "1",
    });
    expect(result.code).toBe(1);
    expect(ids()).toEqual(old.sort());
  });
});
