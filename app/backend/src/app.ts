import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Redis } from "ioredis";
import type pg from "pg";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { DependencyCheck } from "./health/dependency-check.js";
import { HealthService } from "./health/health-service.js";
import { elasticsearchProbe, postgresProbe, redisProbe } from "./health/probes.js";
import { RequestStats } from "./health/request-stats.js";
import { registerHealthRoutes } from "./health/routes.js";
import { bearerAuth } from "./http/auth.js";
import { handleError, sendError } from "./http/errors.js";
import { RequestObserver, UNMATCHED_ROUTE } from "./http/observability.js";
import { probeFastPath } from "./http/probe-fast-path.js";
import { requestIdOf } from "./http/request-tracking.js";
import { serverFactory } from "./http/server-factory.js";
import { LeadCache } from "./leads/cache.js";
import { LeadRepository } from "./leads/repository.js";
import { registerLeadRoutes } from "./leads/routes.js";
import { Metrics } from "./metrics.js";

/** The largest request body accepted; larger ones answer 413. */
const BODY_LIMIT_BYTES = 64 * 1024;

export interface AppDependencies {
  readonly config: Config;
  readonly version: string;
  readonly logger: Logger;
  readonly pool: pg.Pool;
  readonly redis: Redis;
}

export interface App {
  readonly server: FastifyInstance;
  readonly health: HealthService;
  readonly metrics: Metrics;
  readonly checks: readonly DependencyCheck[];
}

function dependencyChecks({ config, pool, redis }: AppDependencies, metrics: Metrics): DependencyCheck[] {
  const common = {
    timeoutMs: config.healthCheckTimeoutMs,
    cacheMs: config.healthCheckCacheMs,
    onResult: metrics.recordDependencyCheck.bind(metrics),
  };
  const checks = [
    new DependencyCheck({ ...common, name: "postgres", critical: true, probe: postgresProbe(pool) }),
    new DependencyCheck({ ...common, name: "redis", critical: true, probe: redisProbe(redis) }),
  ];
  if (config.elasticsearchUrl) {
    const probe = elasticsearchProbe(config.elasticsearchUrl);
    checks.push(new DependencyCheck({ ...common, name: "elasticsearch", critical: false, probe }));
  }
  return checks;
}

/** Builds the HTTP service around already-created connections; starting and stopping is the caller's. */
export function buildApp(deps: AppDependencies): App {
  const { config, version, logger, pool, redis } = deps;
  const metrics = new Metrics({ version, commit: config.buildCommit });
  const stats = new RequestStats();
  const checks = dependencyChecks(deps, metrics);
  const health = new HealthService(checks, stats, version);
  const observer = new RequestObserver({
    metrics: config.metricsEnabled ? metrics : undefined,
    stats,
    slowRequestMs: config.slowRequestMs,
    logger,
  });

  const server = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Requests are logged once, on completion, by the RequestObserver.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "requestId" }),
    genReqId: requestIdOf,
    serverFactory: serverFactory(probeFastPath(health)),
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
  });
  server.setErrorHandler(handleError);
  server.setNotFoundHandler((request, reply) => {
    sendError(reply, 404, `no route for ${request.method} ${request.url.split("?")[0]}`);
    observer.record(request, reply, UNMATCHED_ROUTE);
  });
  observer.instrumentRoutes(server);
  registerHealthRoutes(server, health, metrics);
  const cache = new LeadCache(redis, config.redisKeyPrefix, config.leadCacheTtlSeconds, (operation, error) =>
    logger.warn({ err: error, operation }, "lead cache unavailable, reading from PostgreSQL"),
  );
  registerLeadRoutes(server, {
    repository: new LeadRepository(pool),
    cache,
    metrics,
    authenticate: bearerAuth(config.apiToken, metrics),
  });
  return { server, health, metrics, checks };
}
