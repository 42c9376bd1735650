import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
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
} from "./support/scripts.js";
import { seedVariedTables } from "./support/seed.js";

let source: TestDatabase;
const backups = backupDirectory();
const target = `leadms_test_corrupt_${process.pid}`;

beforeAll(async () => {
  source = await createTestDatabase();
  await seedVariedTables(source.name);
  const backup = await backUp(source.name, backups.dir);
  expect(backup.code, backup.stdout).toBe(0);
});
afterAll(async () => {
  await dropDatabase(target);
  await source?.drop();
  backups.cleanup();
});

/** A copy of the good dump in a directory of its own, damaged by `damage`. */
function damagedCopy(name: string, damage: (file: string) => void): string {
  const dir = path.join(backups.dir, name);
  mkdirSync(dir);
  const good = dumpFiles(backups.dir);
  for (const file of Object.values(good)) copyFileSync(file, path.join(dir, path.basename(file)));
  damage(dumpFiles(dir).dump);
  return dir;
}

const DAMAGES: [string, (file: string) => void][] = [
  ["truncated", (file) => truncateSync(file, Math.floor(statSync(file).size / 2))],
  [
    "one byte flipped",
    (file) => {
      const bytes = readFileSync(file);
      const at = Math.floor(bytes.length / 3);
      bytes[at] = (bytes[at] as number) ^ 0x01;
      writeFileSync(file, bytes);
    },
  ],
];

describe.each(DAMAGES)("a %s dump", (name, damage) => {
  let dir: string;
  beforeAll(() => {
    dir = damagedCopy(name.replaceAll(" ", "-"), damage);
  });

  it("is refused by restore, with nothing restored", async () => {
    const restore = await runScript("restore-database.sh", ["--target", target], {
      ...pgEnv("postgres"),
      BACKUP_DIR: dir,
    });
    expect(restore.code).toBe(1);
    expect(restore.logs.some((line) => line.msg === "checksum mismatch: the dump is corrupt")).toBe(true);
    expect(await databaseExists(target)).toBe(false);
  });

  it("fails the restore check, which leaves no scratch database behind", async () => {
    const check = await runScript("verify-backup.sh", [], {
      ...pgEnv(source.name),
      BACKUP_DIR: dir,
      VERIFY_DATABASE_PREFIX: "leadms_test_bad",
    });
    expect(check.code).toBe(1);
    expect(check.logs.at(-1)?.msg).toBe("the dump did not restore");
    const scratch = String(check.logs.find((line) => line.msg === "restore check started")?.scratchDatabase);
    expect(await databaseExists(scratch)).toBe(false);
  });
});

describe("a damaged dump whose checksum was recomputed to match", () => {
  it("is still refused: it does not decompress, and nothing is restored", async () => {
    const dir = damagedCopy("rehashed", (file) => truncateSync(file, statSync(file).size - 100));
    const files = dumpFiles(dir);
    const digest = createHash("sha256").update(readFileSync(files.dump)).digest("hex");
    writeFileSync(files.sha256, `${digest}  ${path.basename(files.dump)}\n`);
    const restore = await runScript("restore-database.sh", ["--target", target], {
      ...pgEnv("postgres"),
      BACKUP_DIR: dir,
    });
    expect(restore.code).toBe(1);
    expect(restore.logs.at(-1)?.msg).toBe("the dump does not decompress");
    expect(await databaseExists(target)).toBe(false);
  });
});
