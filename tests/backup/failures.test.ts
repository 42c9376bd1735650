import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../app/backend/test/support/database.js";
import { freePort } from "../../app/frontend/test/support/nginx.js";
import { backUp, backupDirectory, dumpFiles, startBackup } from "./support/scripts.js";
import { seedIncompressible, seedVariedTables } from "./support/seed.js";

// Each failure must exit non-zero, leave no partial file and leave the dumps already there untouched.
let small: TestDatabase;
let large: TestDatabase;
const previous = backupDirectory();
const scratch = backupDirectory();
const mounts: string[] = [];

beforeAll(async () => {
  [small, large] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  await seedVariedTables(small.name);
  await seedIncompressible(large.name, 96);
  const backup = await backUp(small.name, previous.dir);
  expect(backup.code, backup.stdout).toBe(0);
}, 120_000);
afterEach(() => {
  for (const mount of mounts.splice(0)) {
    execFileSync("umount", [mount]);
    rmdirSync(mount);
  }
});
afterAll(async () => {
  await Promise.all([small?.drop(), large?.drop()]);
  previous.cleanup();
  scratch.cleanup();
});

/** Every file of a directory with a digest of its content, dot files (the lock) left out. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((name) => !name.startsWith("."))
      .sort()
      .map((name) => [
        name,
        createHash("sha256")
          .update(readFileSync(path.join(dir, name)))
          .digest("hex"),
      ]),
  );
}

/** A backup directory that already holds the earlier good dump, optionally on a tmpfs of `sizeKib`. */
function directoryWithPreviousDump(name: string, sizeKib?: number): string {
  const dir = path.join(scratch.dir, name);
  mkdirSync(dir);
  if (sizeKib !== undefined) {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKib}k`, "tmpfs", dir]);
    mounts.push(dir);
  }
  for (const file of Object.values(dumpFiles(previous.dir)))
    copyFileSync(file, path.join(dir, path.basename(file)));
  return dir;
}

describe("backup-database.sh fails safely", () => {
  it("when the database cannot be reached", async () => {
    const dir = directoryWithPreviousDump("unreachable");
    const before = snapshot(dir);
    const result = await backUp(small.name, dir, { PGPORT: String(await freePort()) });
    expect(result.code).toBe(1);
    expect(result.logs.at(-1)).toMatchObject({
      level: "error",
      msg: "cannot connect to the database",
      database: small.name,
    });
    expect(snapshot(dir)).toEqual(before);
  });

  it("when pg_dump is killed mid-dump", async () => {
    const dir = directoryWithPreviousDump("killed");
    const before = snapshot(dir);
    const run = startBackup(large.name, dir);
    let killed = false;
    for (let attempt = 0; attempt < 500 && !killed; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      try {
        // The dumping pg_dump, not the `pg_dump --version` the script runs first.
        const pid = execFileSync("pgrep", ["-P", String(run.child.pid), "-f", "pg_dump --format=custom"], {
          encoding: "utf8",
        }).trim();
        if (pid) {
          process.kill(Number(pid), "SIGKILL");
          killed = true;
        }
      } catch {
        // Not started yet.
      }
    }
    expect(killed, "pg_dump was seen running and killed").toBe(true);
    const result = await run.done;
    expect(result.code).toBe(1);
    expect(result.logs.at(-1)?.msg).toBe("pg_dump or zstd failed");
    expect(snapshot(dir)).toEqual(before);
  });

  it("when the disk fills up during the dump", async () => {
    // Room for half the database (what the free-space check asks without an earlier dump of it), not all.
    const dir = directoryWithPreviousDump("full", 64 * 1024);
    const before = snapshot(dir);
    const result = await backUp(large.name, dir);
    expect(result.code).toBe(1);
    expect(result.logs.at(-1)?.msg).toBe("pg_dump or zstd failed");
    expect(snapshot(dir)).toEqual(before);
  });

  it("before starting, when the free space cannot hold the dump", async () => {
    const dir = path.join(scratch.dir, "tiny");
    mkdirSync(dir);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1024k", "tmpfs", dir]);
    mounts.push(dir);
    const result = await backUp(large.name, dir);
    expect(result.code).toBe(1);
    expect(result.logs.at(-1)).toMatchObject({ msg: "not enough free space for a dump" });
    expect(result.logs.some((line) => line.msg === "dump started")).toBe(false);
    expect(snapshot(dir)).toEqual({});
  });

  it("when a second run starts while one is going, which is left to finish", async () => {
    const dir = directoryWithPreviousDump("overlap");
    const first = startBackup(large.name, dir);
    // Wait until the first run holds the lock and is dumping.
    for (let i = 0; i < 500 && !readdirSync(dir).some((name) => name.endsWith(".partial")); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const second = await backUp(large.name, dir);
    expect(second.code).toBe(1);
    expect(second.logs.at(-1)?.msg).toBe("another backup is running in this directory");
    const result = await first.done;
    expect(result.code, result.stdout).toBe(0);
    expect(Object.keys(snapshot(dir))).toHaveLength(6);
  });

  it("when a setting is not a number, naming it", async () => {
    const result = await backUp(small.name, scratch.dir, { BACKUP_RETENTION_DAYS: "a week" });
    expect(result.code).toBe(1);
    expect(result.logs.at(-1)?.msg).toBe('BACKUP_RETENTION_DAYS must be an integer >= 1, got "a week"');
  });
});
