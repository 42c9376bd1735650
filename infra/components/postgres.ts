import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input.js";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackSettings } from "../config-schema.js";
import { pods, recommendedLabels } from "../labels.js";
import { tcp, toAnyAddress } from "./network-policy.js";
import { declareStatefulStore } from "./stateful-store.js";

/** PostgreSQL 17: its pg_dump also dumps the older servers an external database may run. */
export const POSTGRES_IMAGE = "postgres:17.7-bookworm";
const PORT = 5432;
const IN_CLUSTER_USER = "leadms";

export interface PostgresArgs {
  readonly namespace: pulumi.Input<string>;
  readonly instance: string;
  readonly settings: StackSettings["postgres"];
  /**
   * The password from the stack config. Without one a password is generated: for an external server, the
   * operator gives it to the database user (the stack output `commands.databasePassword` prints it).
   */
  readonly password?: pulumi.Input<string>;
  /** Pods that may connect to an in-cluster server. */
  readonly clients: inputs.networking.v1.NetworkPolicyPeer[];
}

/**
 * The backend's PostgreSQL: an external server, or a StatefulSet with a persistent volume. Either way
 * the Secret `postgres-credentials` holds the standard PG* variables and DATABASE_URL.
 */
export class Postgres extends pulumi.ComponentResource {
  public readonly secretName: pulumi.Output<string>;
  /** The connection URL with its password (a secret), for exporters in other namespaces. */
  public readonly connectionUrl: pulumi.Output<string>;
  /** The egress rule that lets a client reach the server. */
  public readonly clientEgress: inputs.networking.v1.NetworkPolicyEgressRule;

  constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:data:Postgres", name, {}, opts);
    const { settings } = args;
    const labels = { name: "postgres", instance: args.instance, component: "database" };
    const password =
      args.password ??
      new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this }).result;
    const host =
      settings.mode === "external"
        ? pulumi.output(settings.host)
        : pulumi.interpolate`postgres.${args.namespace}.svc`;
    const port = settings.mode === "external" ? settings.port : PORT;
    const user = settings.mode === "external" ? settings.user : IN_CLUSTER_USER;
    const sslMode = settings.mode === "external" ? settings.sslMode : "disable";
    const url = pulumi
      .all([host, password])
      .apply(
        ([h, p]) =>
          `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(p)}@${h}:${port}/` +
          `${encodeURIComponent(settings.database)}?sslmode=${sslMode}`,
      );

    const secret = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: {
          name: "postgres-credentials",
          namespace: args.namespace,
          labels: recommendedLabels(labels),
        },
        type: "Opaque",
        stringData: {
          PGHOST: host,
          PGPORT: String(port),
          PGDATABASE: settings.database,
          PGUSER: user,
          PGPASSWORD: pulumi.secret(password),
          PGSSLMODE: sslMode,
          DATABASE_URL: pulumi.secret(url),
        },
      },
      { parent: this },
    );

    const fromSecret = (envName: string, secretKey: string) => ({
      name: envName,
      valueFrom: { secretKeyRef: { name: secret.metadata.name, key: secretKey } },
    });
    if (settings.mode === "in-cluster") {
      declareStatefulStore(this, name, {
        namespace: args.namespace,
        labels,
        image: POSTGRES_IMAGE,
        port: PORT,
        runAsUser: 999,
        env: [
          fromSecret("POSTGRES_USER", "PGUSER"),
          fromSecret("POSTGRES_PASSWORD", "PGPASSWORD"),
          fromSecret("POSTGRES_DB", "PGDATABASE"),
          // A subdirectory, because a fresh volume's root may hold lost+found and initdb wants it empty.
          { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
        ],
        healthCommand: ["sh", "-c", 'pg_isready -h 127.0.0.1 -p 5432 -U "$POSTGRES_USER" -d "$POSTGRES_DB"'],
        dataPath: "/var/lib/postgresql/data",
        scratchPaths: ["/var/run/postgresql", "/tmp"],
        resources: settings.resources,
        storageSize: settings.storageSize,
        storageClass: settings.storageClass,
        clients: args.clients,
      });
    }

    this.secretName = secret.metadata.name;
    this.connectionUrl = pulumi.secret(url);
    this.clientEgress =
      settings.mode === "in-cluster" ? { to: [pods("postgres")], ports: tcp(port) } : toAnyAddress(port);
    this.registerOutputs({ secretName: this.secretName });
  }
}
