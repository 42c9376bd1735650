import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { DestinationStream } from "pino";
import { type App, buildApp } from "./app.js";
import type { Config } from "./config.js";
import { migrate } from "./db/migrations.js";
import { createPool } from "./db/pool.js";
import { createLogger } from "./logger.js";
import { createRedis } from "./redis.js";
import { VERSION } from "./version.js";

export interface ServiceOptions {
  readonly logDestination?: DestinationStream;
  /** Called when shutdown passes its hard deadline; the process entry point exits 1 there. */
  readonly onShutdownDeadline?: () => void;
}

export interface RunningService {
  readonly app: App;
  readonly url: string;
  /** Drains and stops: readiness fails at once, serving continues for the shutdown delay, then closes. */
  shutdown(reason: string): Promise<void>;
}

/** Connects, migrates, and starts listening. Fails if PostgreSQL cannot be migrated. */
export async function startService(config: Config, options: ServiceOptions = {}): Promise<RunningService> {
  const logger = createLogger({
    level: config.logLevel,
    version: VERSION,
    destination: options.logDestination,
  });
  const pool = createPool({
    connectionString: config.databaseUrl,
    max: config.databasePoolMax,
    timeoutMs: config.databaseTimeoutMs,
  });
  const redis = createRedis(config.redisUrl, config.healthCheckTimeoutMs, logger);
  const closeConnections = async () => {
    await Promise.allSettled([pool.end(), redis.quit().catch(() => redis.disconnect())]);
  };

  let app: App;
  try {
    const applied = await migrate(pool);
    logger.info({ applied }, applied.length > 0 ? "migrations applied" : "schema up to date");
    // Redis being down at start is not fatal: readiness reports it and the client keeps reconnecting.
    await redis.connect().catch((error: Error) => {
      logger.warn({ dependency: "redis", err: { message: error.message } }, "redis not reachable at start");
    });
    app = buildApp({ config, version: VERSION, logger, pool, redis });
    await app.server.listen({ host: config.host, port: config.port });
  } catch (error) {
    await closeConnections();
    throw error;
  }

  const { port } = app.server.server.address() as AddressInfo;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      app.health.beginShutdown();
      app.metrics.shuttingDown.set(1);
      logger.info({ reason, delayMs: config.shutdownDelayMs }, "shutdown started, readiness now failing");
      const deadline = setTimeout(() => {
        logger.error({ timeoutMs: config.shutdownTimeoutMs }, "shutdown deadline passed");
        options.onShutdownDeadline?.();
      }, config.shutdownTimeoutMs);
      deadline.unref();
      await sleep(config.shutdownDelayMs);
      await app.server.close();
      await closeConnections();
      clearTimeout(deadline);
      logger.info("shutdown complete");
    })();
    return stopping;
  };
  return { app, url, shutdown };
}
