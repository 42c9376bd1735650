import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  onResponseHookHandler,
} from "fastify";
import type { Logger } from "pino";
import type { RequestStats } from "../health/request-stats.js";
import type { Metrics } from "../metrics.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * Probe and scrape routes: kept out of the HTTP metrics, the request stats and the request log.
     * The kubelet and Prometheus measure them already, and counting them as traffic would drown it.
     */
    probe?: boolean;
  }
  interface FastifyRequest {
    /** Whether this request was counted in the in-flight gauge, so it is uncounted exactly once. */
    countedInFlight: boolean;
  }
}

const asArray = <T>(hooks: T | T[] | undefined): T[] =>
  hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** Label for every path that matched no route, so unknown URLs cannot grow the series count. */
export const UNMATCHED_ROUTE = "unmatched";

export interface RequestObserverOptions {
  readonly metrics: Metrics | undefined;
  readonly stats: RequestStats;
  readonly slowRequestMs: number;
  /** The root logger: request loggers share its level, so asking it saves building unused fields. */
  readonly logger: Logger;
}

/** Records a finished request: the HTTP histogram, the last-minute stats and the request log line. */
export class RequestObserver {
  private inFlight = 0;

  constructor(private readonly options: RequestObserverOptions) {
    options.metrics?.trackInFlight(() => this.inFlight);
  }

  record(request: FastifyRequest, reply: FastifyReply, route: string): void {
    const { metrics, stats, slowRequestMs, logger } = this.options;
    const durationMs = reply.elapsedTime;
    const status = reply.statusCode;
    metrics?.httpDuration.observe(
      {
        method: KNOWN_METHODS.has(request.method) ? request.method : "OTHER",
        route,
        status_code: String(status),
      },
      durationMs / 1000,
    );
    stats.record(durationMs, status >= 500);
    const slow = durationMs > slowRequestMs;
    if (!logger.isLevelEnabled(slow ? "warn" : "info")) return;
    const fields = {
      method: request.method,
      route,
      statusCode: status,
      durationMs: Math.round(durationMs * 100) / 100,
    };
    if (slow) {
      request.log.warn({ ...fields, event: "slow-request", thresholdMs: slowRequestMs }, "slow request");
    } else {
      request.log.info(fields, "request completed");
    }
  }

  /**
   * Observes every route registered after this call, except probes. The route template is bound when
   * the route is registered, so nothing is looked up per request.
   */
  instrumentRoutes(app: FastifyInstance): void {
    app.decorateRequest("countedInFlight", false);
    const start: onRequestHookHandler = (request, _reply, done) => {
      request.countedInFlight = true;
      this.inFlight += 1;
      done();
    };
    app.addHook("onRoute", (route) => {
      if (route.config?.probe) return;
      const template = route.url ?? UNMATCHED_ROUTE;
      const finish: onResponseHookHandler = (request, reply, done) => {
        if (request.countedInFlight) this.inFlight -= 1;
        this.record(request, reply, template);
        done();
      };
      route.onRequest = [...asArray(route.onRequest), start];
      route.onResponse = [...asArray(route.onResponse), finish];
    });
  }
}
