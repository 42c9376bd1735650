import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input.js";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackSettings } from "../config-schema.js";
import { pods, recommendedLabels } from "../labels.js";
import { parseQuantity } from "../quantity.js";
import { tcp, toAnyAddress } from "./network-policy.js";
import { declareStatefulStore } from "./stateful-store.js";

export const REDIS_IMAGE = "redis:7.4.6-bookworm";
const PORT = 6379;

export interface RedisArgs {
  readonly namespace: pulumi.Input<string>;
  readonly instance: string;
  readonly settings: StackSettings["redis"];
  /** The password from the stack config; generated for an in-cluster server when absent. */
  readonly password?: pulumi.Input<string>;
  /** Pods that may connect to an in-cluster server. */
  readonly clients: inputs.networking.v1.NetworkPolicyPeer[];
}

/**
 * The backend's Redis (a cache of leads): an external server, or a StatefulSet with a persistent volume.
 * Either way the Secret `redis-credentials` holds REDIS_URL (and REDIS_PASSWORD when there is one).
 */
export class Redis extends pulumi.ComponentResource {
  public readonly secretName: pulumi.Output<string>;
  /** The connection URL with its password (a secret), for exporters in other namespaces. */
  public readonly connectionUrl: pulumi.Output<string>;
  /** The egress rule that lets a client reach the server. */
  public readonly clientEgress: inputs.networking.v1.NetworkPolicyEgressRule;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:data:Redis", name, {}, opts);
    const { settings } = args;
    const labels = { name: "redis", instance: args.instance, component: "cache" };
    const password =
      args.password ??
      (settings.mode === "in-cluster"
        ? new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this })
            .result
        : undefined);
    const host =
      settings.mode === "external"
        ? pulumi.output(settings.host)
        : pulumi.interpolate`redis.${args.namespace}.svc`;
    const port = settings.mode === "external" ? settings.port : PORT;
    const scheme = settings.mode === "external" && settings.tls ? "rediss" : "redis";
    const url = pulumi
      .all([host, password])
      .apply(([h, p]) => `${scheme}://${p ? `:${encodeURIComponent(p)}@` : ""}${h}:${port}`);

    const secret = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: { name: "redis-credentials", namespace: args.namespace, labels: recommendedLabels(labels) },
        type: "Opaque",
        stringData: {
          REDIS_URL: pulumi.secret(url),
          ...(password ? { REDIS_PASSWORD: pulumi.secret(password) } : {}),
        },
      },
      { parent: this },
    );

    if (settings.mode === "in-cluster") {
      const passwordFrom = { secretKeyRef: { name: secret.metadata.name, key: "REDIS_PASSWORD" } };
      declareStatefulStore(this, name, {
        namespace: args.namespace,
        labels,
        image: REDIS_IMAGE,
        port: PORT,
        runAsUser: 999,
        // Kubernetes expands $(REDIS_PASSWORD) from the container's env, which comes from the Secret.
        args: [
          "--port",
          String(PORT),
          "--dir",
          "/data",
          "--appendonly",
          "yes",
          "--maxmemory",
          String(Math.floor(parseQuantity(settings.maxMemory))),
          // Redis holds a cache of leads: under memory pressure it drops the least recently used.
          "--maxmemory-policy",
          "allkeys-lru",
          "--requirepass",
          "$(REDIS_PASSWORD)",
        ],
        env: [
          { name: "REDIS_PASSWORD", valueFrom: passwordFrom },
          { name: "REDISCLI_AUTH", valueFrom: passwordFrom },
        ],
        healthCommand: ["redis-cli", "-p", String(PORT), "ping"],
        dataPath: "/data",
        scratchPaths: ["/tmp"],
        resources: settings.resources,
        storageSize: settings.storageSize,
        storageClass: settings.storageClass,
        clients: args.clients,
      });
    }

    this.secretName = secret.metadata.name;
    this.connectionUrl = pulumi.secret(url);
    this.clientEgress =
      settings.mode === "in-cluster" ? { to: [pods("redis")], ports: tcp(port) } : toAnyAddress(port);
    this.registerOutputs({ secretName: this.secretName });
  }
}
