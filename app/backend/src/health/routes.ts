import type { FastifyInstance, FastifyReply } from "fastify";
import type { Metrics } from "../metrics.js";
import type { HealthService, Readiness } from "./health-service.js";
import { ALIVE_BODY, JSON_TYPE, PONG, READY_BODY, TEXT_TYPE } from "./probe-responses.js";

const probe = { config: { probe: true } };

/** The probe and scrape endpoints; the frequent ones are usually answered by probeFastPath first. */
export function registerHealthRoutes(app: FastifyInstance, health: HealthService, metrics: Metrics) {
  app.get("/ping", probe, (_request, reply) => {
    reply.type(TEXT_TYPE).send(PONG);
  });

  // Liveness asks nothing of PostgreSQL, Redis or Elasticsearch: a dependency outage must not restart pods.
  app.get("/health/live", probe, (_request, reply) => {
    reply.type(JSON_TYPE).send(ALIVE_BODY);
  });

  const sendReadiness = (reply: FastifyReply, { ready, failed }: Readiness) => {
    if (ready) return reply.type(JSON_TYPE).send(READY_BODY);
    return reply.code(503).send({ status: "not ready", failed });
  };
  app.get("/health/ready", probe, async (_request, reply) => sendReadiness(reply, await health.readiness()));

  app.get("/health", probe, async (_request, reply) => {
    const report = await health.report();
    return reply.code(report.status === "unhealthy" ? 503 : 200).send(report);
  });

  // Public and unauthenticated, for the status page: states only, nothing internal.
  app.get("/api/status", async () => health.publicStatus());

  app.get("/metrics", probe, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}
