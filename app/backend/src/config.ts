import { z } from "zod";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Variables whose values must never be echoed back in an error message. */
const SECRET_VARIABLES = new Set(["API_TOKEN", "DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL"]);

const integer = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be an integer between ${min} and ${max}` })
    .int(`must be an integer between ${min} and ${max}`)
    .min(min, `must be an integer between ${min} and ${max}`)
    .max(max, `must be an integer between ${min} and ${max}`);

const urlWithProtocol = (protocols: readonly string[]) =>
  z
    .string({ error: "is required" })
    .refine((value) => URL.canParse(value), "must be a URL")
    .refine(
      (value) => !URL.canParse(value) || protocols.includes(new URL(value).protocol),
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`,
    );

const booleanFlag = z
  .enum(["true", "false"], { error: "must be true or false" })
  .transform((v) => v === "true");

const envSchema = z.object({
  HOST: z.string().min(1, "must not be empty").default("0.0.0.0"),
  PORT: integer(0, 65535).default(3000),
  DATABASE_URL: urlWithProtocol(["postgres:", "postgresql:"]),
  DATABASE_POOL_MAX: integer(1, 100).default(10),
  DATABASE_TIMEOUT_MS: integer(100, 600_000).default(5000),
  REDIS_URL: urlWithProtocol(["redis:", "rediss:"]),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, "must be 1-64 characters of letters, digits, ':', '_' or '-'")
    .default("leadms:"),
  ELASTICSEARCH_URL: urlWithProtocol(["http:", "https:"]).optional(),
  API_TOKEN: z.string({ error: "is required" }).min(24, "must be at least 24 characters long"),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  METRICS_ENABLED: booleanFlag.default(true),
  HEALTH_CHECK_TIMEOUT_MS: integer(50, 60_000).default(1000),
  HEALTH_CHECK_CACHE_MS: integer(0, 60_000).default(2000),
  SHUTDOWN_DELAY_MS: integer(0, 120_000).default(5000),
  SHUTDOWN_TIMEOUT_MS: integer(1000, 300_000).default(15_000),
  SLOW_REQUEST_MS: integer(1, 600_000).default(1000),
  LEAD_CACHE_TTL_SECONDS: integer(0, 86_400).default(60),
  BUILD_COMMIT: z.string().max(64, "must be at most 64 characters").default("unknown"),
});

type Env = z.output<typeof envSchema>;

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly databaseUrl: string;
  readonly databasePoolMax: number;
  /** Bounds waiting for a pooled connection and each query of a request. */
  readonly databaseTimeoutMs: number;
  readonly redisUrl: string;
  readonly redisKeyPrefix: string;
  readonly elasticsearchUrl: string | undefined;
  readonly apiToken: string;
  readonly logLevel: Env["LOG_LEVEL"];
  readonly metricsEnabled: boolean;
  readonly healthCheckTimeoutMs: number;
  readonly healthCheckCacheMs: number;
  readonly shutdownDelayMs: number;
  readonly shutdownTimeoutMs: number;
  readonly slowRequestMs: number;
  readonly leadCacheTtlSeconds: number;
  readonly buildCommit: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

function describeProblem(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv): string {
  const variable = String(issue.path[0] ?? "environment");
  const raw = env[variable];
  if (raw === undefined) return `${variable} is required`;
  const shown = SECRET_VARIABLES.has(variable) ? "" : `, got ${JSON.stringify(raw)}`;
  return `${variable} ${issue.message}${shown}`;
}

/**
 * Reads and validates the service configuration from environment variables.
 * Throws one ConfigError that lists every bad variable, never echoing secret values.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, as they do in Kubernetes env and shell exports.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = [...new Set(parsed.error.issues.map((issue) => describeProblem(issue, present)))];
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  if (e.SHUTDOWN_TIMEOUT_MS <= e.SHUTDOWN_DELAY_MS) {
    throw new ConfigError([
      `SHUTDOWN_TIMEOUT_MS must be greater than SHUTDOWN_DELAY_MS (${e.SHUTDOWN_DELAY_MS}), got ${JSON.stringify(String(e.SHUTDOWN_TIMEOUT_MS))}`,
    ]);
  }
  return {
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    databaseTimeoutMs: e.DATABASE_TIMEOUT_MS,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    elasticsearchUrl: e.ELASTICSEARCH_URL,
    apiToken: e.API_TOKEN,
    logLevel: e.LOG_LEVEL,
    metricsEnabled: e.METRICS_ENABLED,
    healthCheckTimeoutMs: e.HEALTH_CHECK_TIMEOUT_MS,
    healthCheckCacheMs: e.HEALTH_CHECK_CACHE_MS,
    shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    slowRequestMs: e.SLOW_REQUEST_MS,
    leadCacheTtlSeconds: e.LEAD_CACHE_TTL_SECONDS,
    buildCommit: e.BUILD_COMMIT,
  };
}
