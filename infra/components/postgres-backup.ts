import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input.js";
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../config-schema.js";
import { recommendedLabels, selectorLabels } from "../labels.js";
import { declarePodNetworkPolicy } from "./network-policy.js";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./pod-security.js";
import { POSTGRES_IMAGE } from "./postgres.js";
import { readWriteOnceClaim } from "./storage.js";

const SCRIPTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../scripts");
/** The repository's own scripts, shipped as they are. */
export const BACKUP_SCRIPTS = [
  "backup-lib.sh",
  "backup-database.sh",
  "restore-database.sh",
  "verify-backup.sh",
];
/** The official image's postgres user, which owns nothing on the root filesystem it cannot write. */
const POSTGRES_UID = 999;
/** Finished jobs (and their logs) stay this long for `kubectl logs`. */
const FINISHED_JOB_TTL_SECONDS = 3 * 86_400;
const CONNECTION_VARIABLES = ["PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSSLMODE"];

export interface PostgresBackupArgs {
  readonly namespace: pulumi.Input<string>;
  readonly instance: string;
  readonly settings: StackSettings["backups"];
  /** The Secret with the PG* connection variables (`postgres-credentials`). */
  readonly credentialsSecret: pulumi.Input<string>;
  /** The egress rule that reaches the database. */
  readonly databaseEgress: inputs.networking.v1.NetworkPolicyEgressRule;
}

/**
 * Nightly pg_dump backups onto a volume of their own, and a scheduled restore check: the CronJobs
 * `postgres-backup` (start one by hand with scripts/backup-now.sh) and `postgres-restore-check`, the
 * ConfigMap with the scripts from scripts/, the PersistentVolumeClaim, and a NetworkPolicy that lets
 * the jobs reach PostgreSQL (and DNS) only.
 */
export class PostgresBackup extends pulumi.ComponentResource {
  public readonly cronJobName: pulumi.Output<string>;
  public readonly restoreCheckName: pulumi.Output<string>;

  constructor(name: string, args: PostgresBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:backup:PostgresBackup", name, {}, opts);
    const { settings } = args;
    const appLabels = (component: string) => ({
      name: "postgres-backup",
      instance: args.instance,
      component,
    });
    const labels = recommendedLabels(appLabels("backup"));
    const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels });

    const scripts = Object.fromEntries(
      BACKUP_SCRIPTS.map((file) => [file, readFileSync(path.join(SCRIPTS_DIR, file), "utf8")]),
    );
    const scriptsChecksum = createHash("sha256").update(JSON.stringify(scripts)).digest("hex");
    const configMap = new k8s.core.v1.ConfigMap(
      `${name}-scripts`,
      { metadata: metadata("postgres-backup-scripts"), data: scripts },
      { parent: this },
    );
    const claim = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-storage`,
      {
        metadata: metadata("postgres-backups"),
        spec: readWriteOnceClaim(settings),
      },
      { parent: this },
    );

    const connection = CONNECTION_VARIABLES.map((variable) => ({
      name: variable,
      valueFrom: { secretKeyRef: { name: args.credentialsSecret, key: variable } },
    }));
    const cronJob = (objectName: string, component: string, job: JobSpec) =>
      new k8s.batch.v1.CronJob(
        `${name}-${component}`,
        {
          metadata: { ...metadata(objectName), labels: recommendedLabels(appLabels(component)) },
          spec: {
            schedule: job.schedule,
            timeZone: settings.timeZone,
            // A run that is still going when the next is due is left to finish; the next one is skipped.
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 900,
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 3,
            jobTemplate: {
              metadata: { labels: recommendedLabels(appLabels(component)) },
              spec: {
                backoffLimit: 1,
                activeDeadlineSeconds: settings.deadlineSeconds,
                ttlSecondsAfterFinished: FINISHED_JOB_TTL_SECONDS,
                template: {
                  metadata: {
                    labels: recommendedLabels(appLabels(component)),
                    annotations: { "leadms.io/scripts-checksum": scriptsChecksum },
                  },
                  spec: this.podSpec(job, connection, configMap.metadata.name, claim.metadata.name, settings),
                },
              },
            },
          },
        },
        { parent: this },
      );

    const backup = cronJob("postgres-backup", "backup", {
      schedule: settings.schedule,
      script: "backup-database.sh",
      env: [
        { name: "BACKUP_RETENTION_DAYS", value: String(settings.retentionDays) },
        { name: "BACKUP_RETENTION_COUNT", value: String(settings.retentionCount) },
      ],
      readOnlyBackups: false,
      // The dump streams to the volume; /tmp holds only small files.
      tmpSize: "64Mi",
    });
    const restoreCheck = cronJob("postgres-restore-check", "restore-check", {
      schedule: settings.restoreCheckSchedule,
      script: "verify-backup.sh",
      env: [{ name: "VERIFY_JOBS", value: "2" }],
      readOnlyBackups: true,
      // A pg_dump 15 dump is decompressed into /tmp for a parallel restore.
      tmpSize: settings.storageSize,
    });

    declarePodNetworkPolicy(this, name, {
      metadata: metadata("postgres-backup"),
      selector: selectorLabels(appLabels("backup")),
      ingress: [],
      egress: [args.databaseEgress],
    });

    this.cronJobName = backup.metadata.name;
    this.restoreCheckName = restoreCheck.metadata.name;
    this.registerOutputs({ cronJobName: this.cronJobName, restoreCheckName: this.restoreCheckName });
  }

  private podSpec(
    job: JobSpec,
    connection: inputs.core.v1.EnvVar[],
    configMapName: pulumi.Input<string>,
    claimName: pulumi.Input<string>,
    settings: StackSettings["backups"],
  ): inputs.core.v1.PodSpec {
    return {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      securityContext: restrictedPodSecurity(POSTGRES_UID),
      containers: [
        {
          name: "postgres-backup",
          image: POSTGRES_IMAGE,
          imagePullPolicy: "IfNotPresent",
          command: ["bash", `/scripts/${job.script}`],
          env: [
            ...connection,
            { name: "BACKUP_DIR", value: "/backups" },
            { name: "TMPDIR", value: "/tmp" },
            ...job.env,
          ],
          resources: settings.resources,
          securityContext: restrictedContainerSecurity(POSTGRES_UID),
          volumeMounts: [
            { name: "scripts", mountPath: "/scripts", readOnly: true },
            { name: "backups", mountPath: "/backups", readOnly: job.readOnlyBackups },
            { name: "tmp", mountPath: "/tmp" },
          ],
        },
      ],
      volumes: [
        // Executable, since verify-backup.sh runs restore-database.sh.
        { name: "scripts", configMap: { name: configMapName, defaultMode: 0o555 } },
        { name: "backups", persistentVolumeClaim: { claimName, readOnly: job.readOnlyBackups } },
        { name: "tmp", emptyDir: { sizeLimit: job.tmpSize } },
      ],
    };
  }
}

interface JobSpec {
  readonly schedule: string;
  readonly script: string;
  readonly env: inputs.core.v1.EnvVar[];
  /** The restore check only reads the dumps. */
  readonly readOnlyBackups: boolean;
  /** Size limit of the job's /tmp. */
  readonly tmpSize: string;
}
