import { Redis } from "ioredis";
import type { Logger } from "pino";

/**
 * A Redis client that fails fast while disconnected (no offline queue, bounded command time) and keeps
 * reconnecting in the background, logging only when the connection state changes.
 */
export function createRedis(url: string, timeoutMs: number, logger: Logger): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  let connected = false;
  redis.on("ready", () => {
    connected = true;
    logger.info({ dependency: "redis" }, "redis connected");
  });
  redis.on("error", (error: Error) => {
    if (!connected) return;
    connected = false;
    logger.warn({ dependency: "redis", err: { message: error.message } }, "redis connection lost");
  });
  redis.on("close", () => {
    if (!connected) return;
    connected = false;
    logger.warn({ dependency: "redis" }, "redis connection closed");
  });
  return redis;
}
