import type { IncomingMessage, ServerResponse } from "node:http";
import type { HealthService } from "../health/health-service.js";
import { ALIVE_BODY, JSON_TYPE, PONG, READY_BODY, TEXT_TYPE } from "../health/probe-responses.js";

function answer(response: ServerResponse, type: string, body: Buffer): true {
  response.writeHead(200, { "content-type": type, "content-length": body.length });
  response.end(body);
  return true;
}

/**
 * Answers the most frequent requests, kubelet and load-balancer probes, before Fastify: `GET /ping`,
 * `GET /health/live`, and `GET /health/ready` while it is ready on fresh cached checks. Anything else,
 * including a readiness that needs a check or fails, goes on to the Fastify routes, which give the same
 * bodies. Returns whether it answered.
 */
export function probeFastPath(health: HealthService) {
  const pong = Buffer.from(PONG);
  const alive = Buffer.from(ALIVE_BODY);
  const ready = Buffer.from(READY_BODY);
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    if (request.method !== "GET") return false;
    switch (request.url) {
      case "/ping":
        return answer(response, TEXT_TYPE, pong);
      case "/health/live":
        return answer(response, JSON_TYPE, alive);
      case "/health/ready":
        return health.cachedReadiness()?.ready === true && answer(response, JSON_TYPE, ready);
      default:
        return false;
    }
  };
}
