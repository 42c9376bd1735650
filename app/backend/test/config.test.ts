import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

const VALID = {
  DATABASE_URL: "postgres://leadms:s3cret-db-pass@db.internal:5432/leadms",
  REDIS_URL: "redis://:s3cret-redis-pass@cache.internal:6379/0",
  API_TOKEN: "a-perfectly-long-api-token-value",
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies defaults to a minimal valid environment", () => {
    const config = loadConfig(VALID);
    expect(config).toMatchObject({
      host: "0.0.0.0",
      port: 3000,
      logLevel: "info",
      metricsEnabled: true,
      healthCheckTimeoutMs: 1000,
      healthCheckCacheMs: 2000,
      shutdownDelayMs: 5000,
      shutdownTimeoutMs: 15000,
      slowRequestMs: 1000,
      elasticsearchUrl: undefined,
    });
  });

  it("reads every variable it documents", () => {
    const config = loadConfig({
      ...VALID,
      PORT: "8080",
      ELASTICSEARCH_URL: "https://es.internal:9200",
      LOG_LEVEL: "warn",
      METRICS_ENABLED: "false",
      DATABASE_TIMEOUT_MS: "3000",
      HEALTH_CHECK_TIMEOUT_MS: "250",
      HEALTH_CHECK_CACHE_MS: "500",
      SHUTDOWN_DELAY_MS: "100",
      SHUTDOWN_TIMEOUT_MS: "2000",
      SLOW_REQUEST_MS: "50",
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseTimeoutMs: 3000,
      elasticsearchUrl: "https://es.internal:9200",
      logLevel: "warn",
      metricsEnabled: false,
      healthCheckTimeoutMs: 250,
      healthCheckCacheMs: 500,
      shutdownDelayMs: 100,
      shutdownTimeoutMs: 2000,
      slowRequestMs: 50,
    });
  });

  it.each([
    [{ PORT: "abc" }, 'PORT must be an integer between 0 and 65535, got "abc"'],
    [{ PORT: "70000" }, 'PORT must be an integer between 0 and 65535, got "70000"'],
    [{ PORT: "80.5" }, 'PORT must be an integer between 0 and 65535, got "80.5"'],
    [
      { LOG_LEVEL: "loud" },
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ],
    [{ METRICS_ENABLED: "yes" }, 'METRICS_ENABLED must be true or false, got "yes"'],
    [
      { HEALTH_CHECK_TIMEOUT_MS: "10" },
      'HEALTH_CHECK_TIMEOUT_MS must be an integer between 50 and 60000, got "10"',
    ],
    [{ SLOW_REQUEST_MS: "-1" }, 'SLOW_REQUEST_MS must be an integer between 1 and 600000, got "-1"'],
    [{ REDIS_KEY_PREFIX: "bad prefix" }, "REDIS_KEY_PREFIX must be 1-64 characters"],
    [
      { DATABASE_URL: "mysql://x@y/z" },
      "DATABASE_URL must be a URL starting with postgres:// or postgresql://",
    ],
    [{ REDIS_URL: "not a url" }, "REDIS_URL must be a URL"],
    [{ ELASTICSEARCH_URL: "ftp://es" }, "ELASTICSEARCH_URL must be a URL starting with http:// or https://"],
    [{ API_TOKEN: "short" }, "API_TOKEN must be at least 24 characters long"],
    [
      { SHUTDOWN_DELAY_MS: "5000", SHUTDOWN_TIMEOUT_MS: "3000" },
      'SHUTDOWN_TIMEOUT_MS must be greater than SHUTDOWN_DELAY_MS (5000), got "3000"',
    ],
  ])("rejects %o naming the variable", (override, expected) => {
    const problems = problemsOf({ ...VALID, ...override });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it("lists every missing required variable at once", () => {
    expect(problemsOf({})).toEqual([
      "DATABASE_URL is required",
      "REDIS_URL is required",
      "API_TOKEN is required",
    ]);
  });

  it("treats empty values as missing", () => {
    expect(problemsOf({ ...VALID, API_TOKEN: "" })).toEqual(["API_TOKEN is required"]);
  });

  it("never echoes secret values", () => {
    const problems = problemsOf({ ...VALID, API_TOKEN: "leaky", DATABASE_URL: "mysql://user:hunter2@h/db" });
    expect(problems.join(" ")).not.toContain("leaky");
    expect(problems.join(" ")).not.toContain("hunter2");
  });
});

describe("the service entry point", () => {
  const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));

  it("exits 1 with one line naming the bad variable and no stack trace", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", main], {
      env: { PATH: process.env.PATH, ...VALID, PORT: "not-a-port" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      'leadms-backend: invalid configuration: PORT must be an integer between 0 and 65535, got "not-a-port"\n',
    );
  });

  it("exits 1 with one line when PostgreSQL cannot be reached at start", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", main], {
      env: {
        PATH: process.env.PATH,
        ...VALID,
        DATABASE_URL: "postgres://postgres@127.0.0.1:1/leadms",
        REDIS_URL: "redis://127.0.0.1:1",
        HEALTH_CHECK_TIMEOUT_MS: "200",
      },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^leadms-backend: failed to start: .*ECONNREFUSED/);
  });
});
