import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { profiles } from "../stacks/index.js";
import { type StackSettings, stackSettingsSchema } from "./config-schema.js";
import { mergeSettings } from "./merge-settings.js";
import { formatCpu, formatMemory, parseQuantity } from "./quantity.js";

export const CONFIG_NAMESPACE = "leadms";

/** Secret config keys: read only with `requireSecret`, and refused when not stored as `secure:`. */
const SECRET_KEYS = [
  "apiToken",
  "postgresPassword",
  "redisPassword",
  "registryPassword",
  "slackWebhookUrl",
  "pagerdutyRoutingKey",
  "remoteWritePassword",
  "lokiSecretAccessKey",
] as const;
type SecretKey = (typeof SECRET_KEYS)[number];

/** The API token must be as long as the backend demands (API_TOKEN >= 24 characters). */
const MIN_API_TOKEN_LENGTH = 24;

export interface StackConfig {
  /** The Pulumi stack name, e.g. "staging". */
  readonly stack: string;
  /** The name of the profile in `stacks/` the settings started from. */
  readonly profile: string;
  /** The environment's namespace, `leadms-<stack>`. */
  readonly namespace: string;
  readonly settings: StackSettings;
  /** Secret values given in the stack file; absent ones are generated where the program can. */
  readonly secrets: Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>;
}

/** A stack config that cannot be deployed; `problems` holds one line per bad key. */
export class StackConfigError extends Error {
  override readonly name = "StackConfigError";

  constructor(
    readonly stackName: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid config for stack "${stackName}":\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
    );
  }
}

// The SDK exports isConfigSecret at run time without declaring it in its types.
const runtime = pulumi.runtime as typeof pulumi.runtime & { isConfigSecret(key: string): boolean };

const key = (path: readonly PropertyKey[]) => `${CONFIG_NAMESPACE}:${path.map(String).join(".")}`;

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return JSON.stringify(value);
}

function issueLines(issue: z.core.$ZodIssue, input: unknown): string[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((name) => `${key([...issue.path, name])} is not a known setting`);
  }
  const value = valueAt(input, issue.path);
  if (value === undefined) return [`${key(issue.path)} is required`];
  return [`${key(issue.path)} ${issue.message}, got ${describe(value)}`];
}

/** Structured values arrive as JSON text; plain strings arrive as they are. */
function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The stack's `leadms:*` values, by key without the namespace. */
function readRawConfig(): Map<string, string> {
  const values = new Map<string, string>();
  for (const [fullKey, raw] of Object.entries(pulumi.runtime.allConfig())) {
    const [namespace, name] = fullKey.split(":", 2);
    if (namespace === CONFIG_NAMESPACE && name) values.set(name, raw);
  }
  return values;
}

function checkSecrets(raw: Map<string, string>, settings: StackSettings | undefined, problems: string[]) {
  for (const name of SECRET_KEYS) {
    if (raw.has(name) && !runtime.isConfigSecret(key([name]))) {
      problems.push(`${key([name])} must be stored encrypted: pulumi config set --secret ${name}`);
    }
  }
  const apiToken = raw.get("apiToken");
  if (apiToken !== undefined && apiToken.length < MIN_API_TOKEN_LENGTH) {
    problems.push(`${key(["apiToken"])} must be at least ${MIN_API_TOKEN_LENGTH} characters long`);
  }
  const remoteWrite = settings?.monitoring.prometheus.remoteWrite;
  if (remoteWrite && !raw.has("remoteWritePassword")) {
    problems.push(
      `${key(["remoteWritePassword"])} is required when leadms:monitoring.prometheus.remoteWrite is set`,
    );
  }
  if (settings?.monitoring.loki.objectStorage && !raw.has("lokiSecretAccessKey")) {
    problems.push(
      `${key(["lokiSecretAccessKey"])} is required when leadms:monitoring.loki.objectStorage is set`,
    );
  }
  const images = settings?.images;
  if (images?.mode === "build" && images.registryUsername && !raw.has("registryPassword")) {
    problems.push(`${key(["registryPassword"])} is required when leadms:images.registryUsername is set`);
  }
}

/** The most CPU and memory the web services can claim at once: every replica at its limit, plus surge. */
function peakLimits(settings: StackSettings) {
  let cpu = 0;
  let memory = 0;
  // The frontend's pods carry the nginx exporter beside nginx.
  const exporter = settings.monitoring.exporters.resources.limits;
  for (const [service, sidecar] of [
    [settings.backend, undefined],
    [settings.frontend, exporter],
  ] as const) {
    const replicas = (service.autoscaling?.maxReplicas ?? service.replicas) + 1;
    cpu +=
      replicas * (parseQuantity(service.resources.limits.cpu) + (sidecar ? parseQuantity(sidecar.cpu) : 0));
    memory +=
      replicas *
      (parseQuantity(service.resources.limits.memory) + (sidecar ? parseQuantity(sidecar.memory) : 0));
  }
  for (const store of [settings.postgres, settings.redis]) {
    if (store.mode !== "in-cluster") continue;
    cpu += parseQuantity(store.resources.limits.cpu);
    memory += parseQuantity(store.resources.limits.memory);
  }
  // The backup and the restore check may run at the same time.
  cpu += 2 * parseQuantity(settings.backups.resources.limits.cpu);
  memory += 2 * parseQuantity(settings.backups.resources.limits.memory);
  return { cpu, memory };
}

/** Persistent volume claims the stack makes: the in-cluster stores' data and the backups. */
function volumeClaims(settings: StackSettings): string[] {
  const sizes = [settings.backups.storageSize];
  for (const store of [settings.postgres, settings.redis])
    if (store.mode === "in-cluster") sizes.push(store.storageSize);
  return sizes;
}

function checkQuota(settings: StackSettings, problems: string[]) {
  const peak = peakLimits(settings);
  if (parseQuantity(settings.quota.cpu) < peak.cpu) {
    problems.push(
      `${key(["quota", "cpu"])} must cover the ${formatCpu(peak.cpu)} of CPU limits the services reach at ` +
        `full scale during a rollout, got "${settings.quota.cpu}"`,
    );
  }
  if (parseQuantity(settings.quota.memory) < peak.memory) {
    problems.push(
      `${key(["quota", "memory"])} must cover the ${formatMemory(peak.memory)} of memory limits the services ` +
        `reach at full scale during a rollout, got "${settings.quota.memory}"`,
    );
  }
  const claims = volumeClaims(settings);
  const storage = claims.reduce((sum, size) => sum + parseQuantity(size), 0);
  if (parseQuantity(settings.quota.storage) < storage) {
    problems.push(
      `${key(["quota", "storage"])} must cover the ${formatMemory(storage)} of volumes the stack claims, ` +
        `got "${settings.quota.storage}"`,
    );
  }
  if (settings.quota.persistentVolumeClaims < claims.length) {
    problems.push(
      `${key(["quota", "persistentVolumeClaims"])} must allow the ${claims.length} volume claims the stack makes, ` +
        `got ${settings.quota.persistentVolumeClaims}`,
    );
  }
}

/**
 * Reads and validates the whole stack config before anything is declared: the profile named after the
 * stack (or by `leadms:profile`), overlaid with the stack file's values. Throws a StackConfigError that
 * lists every problem at once.
 */
export function loadStackConfig(stack: string = pulumi.getStack()): StackConfig {
  const raw = readRawConfig();
  const problems: string[] = [];
  const profileName = raw.get("profile") ?? stack;
  const profile = profiles[profileName];
  if (!profile) {
    const known = Object.keys(profiles).join(", ");
    const where = raw.has("profile") ? key(["profile"]) : `stack name "${stack}"`;
    throw new StackConfigError(stack, [`${where} must name a profile in stacks/ (${known})`]);
  }

  const overrides: Record<string, unknown> = {};
  for (const [name, value] of raw) {
    if (name === "profile" || (SECRET_KEYS as readonly string[]).includes(name)) continue;
    overrides[name] = parseValue(value);
  }
  const input = mergeSettings({ monitoringNamespace: `leadms-${stack}-monitoring`, ...profile }, overrides);
  const parsed = stackSettingsSchema.safeParse(input);
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap((issue) => issueLines(issue, input)));
  const settings = parsed.success ? parsed.data : undefined;
  checkSecrets(raw, settings, problems);
  if (settings) checkQuota(settings, problems);
  if (problems.length > 0) throw new StackConfigError(stack, problems);

  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const secrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
  for (const name of SECRET_KEYS) if (raw.has(name)) secrets[name] = config.requireSecret(name);
  return {
    stack,
    profile: profileName,
    namespace: `leadms-${stack}`,
    settings: settings as StackSettings,
    secrets,
  };
}
