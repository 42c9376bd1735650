import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BACKUP_SCRIPTS } from "../../infra/components/postgres-backup.js";
import { find, render, rootPath } from "./support/render.js";

const staging = await render("staging");
const production = await render("production");
const podOf = (cronJob: any) => cronJob.spec.jobTemplate.spec.template.spec;

describe("PostgresBackup", () => {
  it("ships the repository's own scripts in a ConfigMap, with their checksum on the pods", () => {
    const configMap = find(staging.objects, "ConfigMap", "postgres-backup-scripts");
    const scripts = Object.fromEntries(
      BACKUP_SCRIPTS.map((file) => [file, readFileSync(rootPath(`scripts/${file}`), "utf8")]),
    );
    expect(configMap.data).toEqual(scripts);
    const checksum = createHash("sha256").update(JSON.stringify(scripts)).digest("hex");
    for (const name of ["postgres-backup", "postgres-restore-check"]) {
      const template = find(staging.objects, "CronJob", name).spec.jobTemplate.spec.template;
      expect(template.metadata.annotations["leadms.io/scripts-checksum"]).toBe(checksum);
    }
  });

  it("runs the backup on the stack's schedule, never two at once, with deadlines and history limits", () => {
    const spec = find(production.objects, "CronJob", "postgres-backup").spec;
    expect(spec).toMatchObject({
      schedule: "15 1 * * *",
      timeZone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 900,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect(spec.jobTemplate.spec).toMatchObject({
      backoffLimit: 1,
      activeDeadlineSeconds: 7200,
      ttlSecondsAfterFinished: 259_200,
    });
    expect(podOf({ spec }).restartPolicy).toBe("Never");
  });

  it("runs backup-database.sh in a pinned PostgreSQL 16+ image with credentials from the database Secret", () => {
    const container = podOf(find(staging.objects, "CronJob", "postgres-backup")).containers[0];
    expect(container.command).toEqual(["bash", "/scripts/backup-database.sh"]);
    const [, major] = /^postgres:(\d+)\.\d+-[a-z]+$/.exec(container.image) ?? [];
    expect(Number(major)).toBeGreaterThanOrEqual(16);
    const fromSecret = container.env
      .filter((e: any) => e.valueFrom)
      .map((e: any) => `${e.name}<-${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
    expect(fromSecret).toEqual(
      ["PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSSLMODE"].map(
        (v) => `${v}<-postgres-credentials/${v}`,
      ),
    );
    const literal = Object.fromEntries(
      container.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]),
    );
    expect(literal).toEqual({
      BACKUP_DIR: "/backups",
      TMPDIR: "/tmp",
      BACKUP_RETENTION_DAYS: "7",
      BACKUP_RETENTION_COUNT: "7",
    });
  });

  it("writes dumps to a claim sized from the stack; only /tmp and the claim are writable", () => {
    expect(
      find(staging.objects, "PersistentVolumeClaim", "postgres-backups").spec.resources.requests.storage,
    ).toBe("5Gi");
    expect(
      find(production.objects, "PersistentVolumeClaim", "postgres-backups").spec.resources.requests.storage,
    ).toBe("40Gi");
    const backup = podOf(find(staging.objects, "CronJob", "postgres-backup"));
    const check = podOf(find(staging.objects, "CronJob", "postgres-restore-check"));
    for (const pod of [backup, check]) {
      const container = pod.containers[0];
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        runAsNonRoot: true,
      });
      expect(pod.volumes.find((v: any) => v.name === "scripts").configMap).toEqual({
        name: "postgres-backup-scripts",
        defaultMode: 0o555,
      });
      expect(container.volumeMounts.find((m: any) => m.name === "scripts").readOnly).toBe(true);
    }
    expect(backup.containers[0].volumeMounts.find((m: any) => m.name === "backups")).toEqual({
      name: "backups",
      mountPath: "/backups",
      readOnly: false,
    });
    // The restore check only reads the dumps, and gets room in /tmp to decompress one.
    expect(check.containers[0].volumeMounts.find((m: any) => m.name === "backups").readOnly).toBe(true);
    expect(check.volumes.find((v: any) => v.name === "tmp").emptyDir.sizeLimit).toBe("5Gi");
  });

  it("checks a restore weekly by default with verify-backup.sh", () => {
    const cronJob = find(staging.objects, "CronJob", "postgres-restore-check");
    expect(cronJob.spec.schedule).toBe("30 4 * * 0");
    expect(podOf(cronJob).containers[0].command).toEqual(["bash", "/scripts/verify-backup.sh"]);
  });

  it("lets the jobs reach PostgreSQL and nothing else (DNS comes from the namespace policy)", () => {
    const policy = find(staging.objects, "NetworkPolicy", "postgres-backup").spec;
    expect(policy.podSelector.matchLabels).toEqual({
      "app.kubernetes.io/name": "postgres-backup",
      "app.kubernetes.io/instance": "staging",
    });
    expect(policy.ingress).toEqual([]);
    expect(policy.egress).toEqual([
      {
        to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "postgres" } } }],
        ports: [{ protocol: "TCP", port: 5432 }],
      },
    ]);
    const external = find(production.objects, "NetworkPolicy", "postgres-backup").spec.egress;
    expect(external).toEqual([
      { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 5432 }] },
    ]);
    for (const name of ["postgres-backup", "postgres-restore-check"]) {
      const labels = find(staging.objects, "CronJob", name).spec.jobTemplate.spec.template.metadata.labels;
      expect(labels["app.kubernetes.io/name"]).toBe("postgres-backup");
    }
  });
});
