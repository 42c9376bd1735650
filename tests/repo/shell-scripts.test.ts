import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../..", import.meta.url).pathname;

/** Every shell script the repository tracks, found through git so a new one cannot be missed. */
function trackedShellScripts(): string[] {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\n")
    .filter(Boolean);
  return files.filter((file) => file.endsWith(".sh") || file === ".ci/run");
}

describe("shell scripts", () => {
  const scripts = trackedShellScripts();

  it("include the CI entry point and the operator scripts", () => {
    expect(scripts).toContain(".ci/run");
    expect(scripts).toEqual(
      expect.arrayContaining([
        "scripts/run-backend-local.sh",
        "scripts/backup-database.sh",
        "scripts/restore-database.sh",
        "scripts/verify-backup.sh",
        "scripts/backup-now.sh",
        "scripts/backup-lib.sh",
      ]),
    );
  });

  it.each(scripts)("%s passes shellcheck", (script) => {
    // -x follows `source`d files (the backup scripts' shared library), so they are checked together.
    const result = spawnSync("shellcheck", ["-x", "-f", "gcc", script], { cwd: ROOT, encoding: "utf8" });
    expect(result.error).toBeUndefined();
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
