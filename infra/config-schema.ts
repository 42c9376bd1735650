import { CronExpressionParser } from "cron-parser";
import { z } from "zod";
import { isQuantity, parseQuantity } from "./quantity.js";

/** RFC 1123 DNS label: what Kubernetes accepts as a namespace or object name part. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A hostname of dot-separated DNS labels. */
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;
/** An image reference pinned by digest: `registry/repo@sha256:<64 hex>`, with or without a tag. */
const PINNED_IMAGE = /^[a-z0-9][a-z0-9._\-/:]*@sha256:[a-f0-9]{64}$/;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .number({ error: `must be an integer >= ${min}` })
    .int(`must be an integer >= ${min}`)
    .min(min, `must be an integer >= ${min}`)
    .max(max, `must be an integer <= ${max}`);

const quantity = (what: "cpu" | "memory" | "storage") =>
  z
    .string({
      error: `must be a Kubernetes ${what} quantity such as ${what === "cpu" ? '"250m"' : '"512Mi"'}`,
    })
    .refine(
      isQuantity,
      `must be a Kubernetes ${what} quantity such as ${what === "cpu" ? '"250m"' : '"512Mi"'}`,
    )
    .refine((value) => !isQuantity(value) || parseQuantity(value) > 0, "must be greater than zero");

const dnsLabel = z
  .string({ error: "must be a DNS label (lower case letters, digits and '-')" })
  .regex(DNS_LABEL, "must be a DNS label (lower case letters, digits and '-')");

const computeResources = z.strictObject({ cpu: quantity("cpu"), memory: quantity("memory") });

const resources = z
  .strictObject({ requests: computeResources, limits: computeResources })
  .superRefine((value, ctx) => {
    for (const key of ["cpu", "memory"] as const) {
      const [request, limit] = [value.requests[key], value.limits[key]];
      // Refinements run even when a field failed; a bad quantity is already reported.
      if (!isQuantity(request) || !isQuantity(limit)) continue;
      if (parseQuantity(request) > parseQuantity(limit)) {
        ctx.addIssue({ code: "custom", path: ["requests", key], message: `must not exceed limits.${key}` });
      }
    }
  });

const autoscaling = z
  .strictObject({
    minReplicas: int(1, 100),
    maxReplicas: int(1, 100),
    targetCpuUtilizationPercent: int(10, 100),
  })
  .refine((value) => value.maxReplicas >= value.minReplicas, {
    path: ["maxReplicas"],
    message: "must be >= minReplicas",
  });

const disruptionBudget = z.strictObject({ maxUnavailable: int(1, 100) });

const serviceSettings = {
  replicas: int(1, 100),
  resources,
  /** Horizontal autoscaling on CPU; null keeps `replicas` fixed. */
  autoscaling: autoscaling.nullable(),
  /** A PodDisruptionBudget; null declares none. */
  disruptionBudget: disruptionBudget.nullable(),
};

const pinnedImage = z.string().regex(PINNED_IMAGE, "must be an image reference pinned by @sha256 digest");

/**
 * How new backend versions reach users: a rolling update (the default), or blue-green, where two
 * Deployments run side by side and the Service sends traffic to the active colour only.
 */
const backendDeployment = z.discriminatedUnion(
  "strategy",
  [
    z.strictObject({ strategy: z.literal("rolling") }),
    z.strictObject({
      strategy: z.literal("blue-green"),
      active: z.enum(["blue", "green"], { error: 'must be "blue" or "green"' }),
      /** Each colour's image; null runs the release image (`images`). scripts/deploy-stack.sh sets these. */
      images: z.strictObject({ blue: pinnedImage.nullable(), green: pinnedImage.nullable() }),
    }),
  ],
  { error: 'must have strategy "rolling" or "blue-green"' },
);

const backend = z.strictObject({
  ...serviceSettings,
  deployment: backendDeployment,
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace"], {
    error: "must be one of fatal, error, warn, info, debug, trace",
  }),
  /** Seconds the backend keeps serving after SIGTERM while load balancers drain it. */
  shutdownDelaySeconds: int(0, 120),
  /** Seconds the backend allows for in-flight requests after the delay before it exits. */
  shutdownTimeoutSeconds: int(1, 300),
});

const frontend = z.strictObject(serviceSettings);

const tls = z.discriminatedUnion(
  "mode",
  [
    z.strictObject({ mode: z.literal("secret"), secretName: dnsLabel }),
    z.strictObject({ mode: z.literal("cert-manager"), clusterIssuer: dnsLabel }),
  ],
  { error: 'must have mode "secret" (with secretName) or "cert-manager" (with clusterIssuer)' },
);

const ingress = z.strictObject({
  host: z.string({ error: "must be a hostname" }).regex(HOSTNAME, "must be a lower-case hostname"),
  className: dnsLabel,
  tls,
  /** Where the ingress controller's pods run: the only source of traffic the web services accept. */
  controller: z.strictObject({
    namespace: dnsLabel,
    podLabels: z.record(z.string(), z.string()).refine((labels) => Object.keys(labels).length > 0, {
      message: "must name at least one label",
    }),
  }),
});

const images = z.discriminatedUnion(
  "mode",
  [
    z.strictObject({
      mode: z.literal("build"),
      /** Registry and path the images are pushed under, e.g. `ghcr.io/acme/leadms`. */
      repository: z
        .string({ error: "must be a registry path such as ghcr.io/acme/leadms" })
        .regex(/^[a-z0-9][a-z0-9._\-/:]*[a-z0-9]$/, "must be a registry path such as ghcr.io/acme/leadms"),
      tag: z
        .string({ error: "must be an image tag" })
        .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be an image tag")
        .refine((value) => value !== "latest", 'must not be "latest"'),
      /** Registry login for the push; the password is the secret `leadms:registryPassword`. */
      registryUsername: z.string().min(1, "must not be empty").optional(),
    }),
    z.strictObject({
      mode: z.literal("prebuilt"),
      backend: z.string().regex(PINNED_IMAGE, "must be an image reference pinned by @sha256 digest"),
      frontend: z.string().regex(PINNED_IMAGE, "must be an image reference pinned by @sha256 digest"),
    }),
  ],
  { error: 'must have mode "build" or "prebuilt"' },
);

const externalDatabase = {
  mode: z.literal("external"),
  host: z.string({ error: "must be a hostname" }).min(1, "must be a hostname"),
  port: int(1, 65535),
};

const inCluster = {
  mode: z.literal("in-cluster"),
  storageSize: quantity("storage"),
  /** StorageClass of the volume; unset uses the cluster's default class. */
  storageClass: dnsLabel.optional(),
  resources,
};

const postgres = z.discriminatedUnion(
  "mode",
  [
    z.strictObject({
      ...externalDatabase,
      database: z.string().min(1, "must not be empty"),
      user: z.string().min(1, "must not be empty"),
      sslMode: z.enum(["disable", "require", "verify-ca", "verify-full"], {
        error: "must be one of disable, require, verify-ca, verify-full",
      }),
    }),
    z.strictObject({ ...inCluster, database: z.string().min(1, "must not be empty") }),
  ],
  { error: 'must have mode "external" or "in-cluster"' },
);

const redis = z.discriminatedUnion(
  "mode",
  [
    z.strictObject({ ...externalDatabase, tls: z.boolean({ error: "must be true or false" }) }),
    z.strictObject({ ...inCluster, maxMemory: quantity("memory") }),
  ],
  { error: 'must have mode "external" or "in-cluster"' },
);

/** Schedule macros the CronJob controller accepts besides five fields. */
const CRON_MACROS = new Set([
  "@yearly",
  "@annually",
  "@monthly",
  "@weekly",
  "@daily",
  "@midnight",
  "@hourly",
]);

function isCronSchedule(value: string): boolean {
  if (CRON_MACROS.has(value)) return true;
  if (value.trim().split(/\s+/).length !== 5) return false;
  try {
    CronExpressionParser.parse(value);
    return true;
  } catch {
    return false;
  }
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const cronSchedule = z
  .string({ error: 'must be a five-field cron schedule such as "15 2 * * *"' })
  .refine(isCronSchedule, 'must be a five-field cron schedule such as "15 2 * * *"');

const backups = z.strictObject({
  /** When the nightly dump runs, in `timeZone`. */
  schedule: cronSchedule,
  /** An IANA time zone name, e.g. "Europe/Berlin". */
  timeZone: z
    .string({ error: "must be an IANA time zone" })
    .refine(isTimeZone, "must be an IANA time zone such as Etc/UTC"),
  /** When the latest dump is restored into a scratch database and checked. */
  restoreCheckSchedule: cronSchedule,
  /** Verified dumps older than this many days are deleted. */
  retentionDays: int(1, 3650),
  /** At most this many verified dumps are kept. */
  retentionCount: int(1, 1000),
  storageSize: quantity("storage"),
  storageClass: dnsLabel.optional(),
  resources,
  /** Seconds a backup or restore check may run before Kubernetes stops it. */
  deadlineSeconds: int(60, 86_400),
});

const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
const duration = z
  .string({ error: 'must be a Prometheus duration such as "30s" or "15d"' })
  .regex(DURATION, 'must be a Prometheus duration such as "30s" or "15d"');
const ratio = z
  .number({ error: "must be a number between 0 and 1" })
  .gt(0, "must be a number between 0 and 1")
  .lt(1, "must be a number between 0 and 1");
const positive = z.number({ error: "must be a positive number" }).positive("must be a positive number");

/** Where alerts go: a Slack channel for everything, PagerDuty for critical alerts where the stack pages. */
const receivers = z.strictObject({
  /** The Slack channel of the chat receiver; its webhook URL is the secret `leadms:slackWebhookUrl`. */
  slackChannel: z.string().regex(/^#[a-z0-9_-]{1,80}$/, 'must be a Slack channel such as "#leadms-alerts"'),
  /** Whether critical alerts page through PagerDuty (routing key: the secret `leadms:pagerdutyRoutingKey`). */
  page: z.boolean({ error: "must be true or false" }),
});

/** Alert thresholds; each rule reads the one it needs. */
const thresholds = z.strictObject({
  http5xxRatio: ratio,
  latencyP95Seconds: positive,
  authFailuresPerMinute: positive,
  postgresConnectionsRatio: ratio,
  redisMemoryRatio: ratio,
  backupMaxAgeHours: positive,
  volumeFreeRatio: ratio,
  nodeCpuRatio: ratio,
  nodeMemoryRatio: ratio,
  nodeDiskRatio: ratio,
});

const monitoring = z.strictObject({
  scrapeInterval: duration,
  prometheus: z.strictObject({
    retentionTime: duration,
    /** Prometheus's own size cap, e.g. "8GB"; keep it below the volume. */
    retentionSize: z.string().regex(/^[0-9]+(MB|GB|TB)$/, 'must be a size such as "8GB"'),
    storageSize: quantity("storage"),
    storageClass: dnsLabel.optional(),
    resources,
    /** Optional remote storage (Mimir, Thanos, a hosted service); its password is `leadms:remoteWritePassword`. */
    remoteWrite: z
      .strictObject({
        url: z
          .string()
          .refine((value) => URL.canParse(value) && value.startsWith("https://"), "must be an https:// URL"),
        username: z.string().min(1, "must not be empty"),
      })
      .nullable(),
  }),
  alertmanager: z.strictObject({ storageSize: quantity("storage"), resources }),
  /** One size for postgres-, redis- and node-exporter. */
  exporters: z.strictObject({ resources }),
  kubeStateMetrics: z.strictObject({ resources }),
  grafana: z.strictObject({
    resources,
    /** A path on the stack's host where the Ingress exposes Grafana, such as "/grafana"; null keeps it internal. */
    ingressPath: z
      .string()
      .regex(/^\/[a-z0-9-]+$/, 'must be a path such as "/grafana"')
      .refine(
        (path) => !["/api", "/metrics", "/health"].includes(path),
        "must not be a path the platform uses",
      )
      .nullable(),
  }),
  loki: z.strictObject({
    /** How long logs are kept; the compactor deletes older chunks. */
    retention: duration,
    storageSize: quantity("storage"),
    storageClass: dnsLabel.optional(),
    resources,
    ingestionRateMb: positive,
    ingestionBurstMb: positive,
    /** Size of the embedded results cache, in MiB (Loki's chart enables gigabytes of memcached instead). */
    resultsCacheMb: int(1, 4096),
    /** S3-compatible object storage, for stacks that outgrow one volume; the secret key is `leadms:lokiSecretAccessKey`. */
    objectStorage: z
      .strictObject({
        endpoint: z
          .string()
          .regex(/^[a-z0-9.-]+(:[0-9]+)?$/, 'must be a host[:port] such as "s3.eu-west-1.amazonaws.com"'),
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name"),
        region: z.string().min(1, "must not be empty"),
        accessKeyId: z.string().min(1, "must not be empty"),
      })
      .nullable(),
  }),
  alloy: z.strictObject({ resources }),
  /** node-exporter needs the host; only one stack per cluster may run it. */
  nodeExporter: z.boolean({ error: "must be true or false" }),
  receivers,
  thresholds,
  /** Where the alerts' runbook_url points: the rendered docs/alerts.md of this repository. */
  runbookBaseUrl: z.string().refine((value) => URL.canParse(value), "must be a URL"),
});

const namespaceQuota = z.strictObject({
  cpu: quantity("cpu"),
  memory: quantity("memory"),
  pods: int(1, 10_000),
  storage: quantity("storage"),
  persistentVolumeClaims: int(0, 1000),
});

/** Every setting of a stack, after the profile's defaults and the stack file's values are merged. */
export const stackSettingsSchema = z.strictObject({
  backend,
  frontend,
  ingress,
  images,
  postgres,
  redis,
  backups,
  monitoring,
  quota: namespaceQuota,
  /** Namespace of the monitoring stack, whose Prometheus may scrape the metrics ports. */
  monitoringNamespace: dnsLabel,
});

export type StackSettings = z.output<typeof stackSettingsSchema>;
export type ServiceSettings = StackSettings["frontend"];
export type ResourceSettings = ServiceSettings["resources"];
