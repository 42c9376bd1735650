import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { loadConfig } from "../../src/config.js";
import { type RunningService, startService } from "../../src/service.js";

export const REDIS_SERVER_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const TEST_TOKEN = "test-token-0123456789-abcdefghij";

export type LogLine = Record<string, unknown> & { level: string; msg: string };

/** Every JSON line the service logged, parsed; the raw text too, to search for leaked secrets. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  raw = "";

  write(chunk: string): void {
    this.raw += chunk;
    for (const line of chunk.split("\n")) if (line.trim()) this.lines.push(JSON.parse(line) as LogLine);
  }

  forRequest(requestId: string): LogLine[] {
    return this.lines.filter((line) => line.requestId === requestId);
  }
}

export interface TestService {
  readonly service: RunningService;
  readonly url: string;
  readonly logs: LogCapture;
  readonly keyPrefix: string;
  stop(): Promise<void>;
}

/** The real service in-process, on a free loopback port, with its own Redis key prefix. */
export async function startTestService(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<TestService> {
  const keyPrefix = `leadms-test-${randomBytes(6).toString("hex")}:`;
  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    DATABASE_URL: databaseUrl,
    REDIS_URL: REDIS_SERVER_URL,
    REDIS_KEY_PREFIX: keyPrefix,
    API_TOKEN: TEST_TOKEN,
    LOG_LEVEL: "debug",
    SHUTDOWN_DELAY_MS: "0",
    HEALTH_CHECK_TIMEOUT_MS: "500",
    HEALTH_CHECK_CACHE_MS: "0",
    ...env,
  });
  const logs = new LogCapture();
  const service = await startService(config, { logDestination: logs });
  return {
    service,
    url: service.url,
    logs,
    keyPrefix,
    stop: async () => {
      await service.shutdown("test finished");
      await deleteRedisKeys(keyPrefix);
    },
  };
}

export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json", ...extra };
}

/** Removes every key under a test's prefix from the shared Redis. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_SERVER_URL);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
