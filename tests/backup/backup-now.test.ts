import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runScript } from "./support/scripts.js";

// No cluster here: kubectl is replaced on PATH by a recorder that answers as a cluster would. The
// run against a real cluster is described in docs/operations.md.
const bin = mkdtempSync(path.join(tmpdir(), "leadms-kubectl-"));
const calls = path.join(bin, "calls.log");
writeFileSync(
  path.join(bin, "kubectl"),
  `#!/usr/bin/env bash
printf '%s\\n' "$*" >>"$KUBECTL_CALLS"
case " $* " in
  *" create job "*) echo "job.batch/$5 created"; exit "\${FAKE_CREATE_EXIT:-0}" ;;
  *" logs "*) echo '{"level":"info","msg":"dump verified"}' ;;
  *" get job "*) echo "\${FAKE_CONDITIONS:-}" ;;
esac
`,
);
chmodSync(path.join(bin, "kubectl"), 0o755);
afterAll(() => rmSync(bin, { recursive: true, force: true }));

async function backupNow(args: string[], fake: Record<string, string> = {}) {
  writeFileSync(calls, "");
  const result = await runScript("backup-now.sh", args, {
    ...fake,
    PATH: `${bin}:${process.env.PATH}`,
    KUBECTL_CALLS: calls,
    BACKUP_NOW_POLL_SECONDS: "1",
  });
  const issued = readFileSync(calls, "utf8").split("\n").filter(Boolean);
  return { ...result, issued };
}

describe("backup-now.sh", () => {
  it("creates a job from the CronJob in the stack's namespace, streams its logs and exits 0 when it completes", async () => {
    const result = await backupNow(["staging"], { FAKE_CONDITIONS: "Complete" });
    expect(result.code, result.stderr).toBe(0);
    expect(result.issued).toHaveLength(3);
    const [create, logs, get] = result.issued as [string, string, string];
    const job = /create job (postgres-backup-manual-\d{8}-\d{6}) --from=cronjob\/postgres-backup$/.exec(
      create,
    )?.[1];
    expect(create.startsWith("--namespace leadms-staging create job ")).toBe(true);
    expect(job).toBeDefined();
    expect(logs).toMatch(
      new RegExp(`^--namespace leadms-staging logs --follow --pod-running-timeout=\\d+s job/${job}$`),
    );
    expect(get).toBe(
      `--namespace leadms-staging get job ${job} --output jsonpath={.status.conditions[*].type}`,
    );
    expect(result.stdout).toContain('"msg":"dump verified"');
    expect(result.stderr).toContain(`job ${job} completed`);
  });

  it("exits 1 when the job fails, saying how to look into it", async () => {
    const result = await backupNow(["production"], { FAKE_CONDITIONS: "Failed" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /job postgres-backup-manual-\S+ failed; see: kubectl --namespace leadms-production describe job/,
    );
  });

  it("exits 1 when the job does not finish within the timeout", async () => {
    const result = await backupNow(["staging", "--timeout", "2"], { FAKE_CONDITIONS: "" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("did not finish within 2s");
    expect(result.issued.filter((call) => call.includes(" get job ")).length).toBeGreaterThanOrEqual(2);
  });

  it("exits non-zero when the job cannot be created", async () => {
    const result = await backupNow(["staging"], { FAKE_CREATE_EXIT: "1" });
    expect(result.code).toBe(1);
    expect(result.issued).toHaveLength(1);
  });

  it("prints the commands with --dry-run and runs none", async () => {
    const result = await backupNow(["staging", "--dry-run"]);
    expect(result.code).toBe(0);
    expect(result.issued).toEqual([]);
    const printed = result.stdout.trim().split("\n");
    expect(printed).toHaveLength(3);
    expect(printed[0]).toMatch(
      /^kubectl --namespace leadms-staging create job postgres-backup-manual-\S+ --from=cronjob\/postgres-backup$/,
    );
  });

  it.each([
    [[], "name the stack"],
    [["Staging!"], '"Staging!" is not a stack name'],
    [["staging", "production"], "one stack only"],
    [["staging", "--timeout", "soon"], '--timeout must be a number of seconds, got "soon"'],
    [["staging", "--force"], "unknown option --force"],
  ])("rejects %j with exit 2 and the usage", async (args, message) => {
    const result = await backupNow(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain("backup-now.sh <stack> [--timeout SECONDS] [--dry-run]");
    expect(result.issued).toEqual([]);
  });
});
