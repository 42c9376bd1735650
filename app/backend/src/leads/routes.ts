import type { FastifyInstance, onRequestAsyncHookHandler } from "fastify";
import { HttpError, parseRequestPart } from "../http/errors.js";
import type { Metrics } from "../metrics.js";
import type { LeadCache } from "./cache.js";
import {
  changeStatusBody,
  createLeadBody,
  leadIdParams,
  listLeadsQuery,
  STATUS_TRANSITIONS,
} from "./model.js";
import type { LeadRepository } from "./repository.js";

export interface LeadRoutesOptions {
  readonly repository: LeadRepository;
  readonly cache: LeadCache;
  readonly metrics: Metrics;
  readonly authenticate: onRequestAsyncHookHandler;
}

export function registerLeadRoutes(
  app: FastifyInstance,
  { repository, cache, metrics, authenticate }: LeadRoutesOptions,
) {
  app.register(
    async (api) => {
      // Before the body is read: an unauthenticated client gets 401 and costs no parsing.
      api.addHook("onRequest", authenticate);
      // The API speaks JSON only: any other body is a 415, not a string to misread.
      api.removeContentTypeParser("text/plain");

      api.post("/", async (request, reply) => {
        const input = parseRequestPart(createLeadBody, "body", request.body);
        const lead = await repository.create(input);
        metrics.leadsCreated.inc({ source: lead.source });
        request.log.info(
          { event: "business", action: "lead-created", leadId: lead.id, source: lead.source },
          "lead created",
        );
        return reply.code(201).header("location", `/api/leads/${lead.id}`).send(lead);
      });

      api.get("/", async (request) => {
        const query = parseRequestPart(listLeadsQuery, "query", request.query);
        return repository.list(query);
      });

      api.get("/:id", async (request) => {
        const { id } = parseRequestPart(leadIdParams, "params", request.params);
        const cached = await cache.get(id);
        if (cached) return cached;
        const lead = await repository.findById(id);
        if (!lead) throw new HttpError(404, `lead ${id} does not exist`);
        await cache.set(lead);
        return lead;
      });

      api.patch("/:id/status", async (request) => {
        const { id } = parseRequestPart(leadIdParams, "params", request.params);
        const { status } = parseRequestPart(changeStatusBody, "body", request.body);
        const result = await repository.changeStatus(id, status);
        if (result.outcome === "not-found") throw new HttpError(404, `lead ${id} does not exist`);
        if (result.outcome === "forbidden") {
          const allowed = STATUS_TRANSITIONS[result.from];
          throw new HttpError(
            409,
            `body.status cannot change from ${result.from} to ${status}; allowed: ${allowed.length > 0 ? allowed.join(", ") : "none, the status is final"}`,
          );
        }
        await cache.invalidate(id);
        metrics.leadStatusChanges.inc({ from: result.from, to: status });
        if (status === "converted") metrics.leadConversions.inc();
        request.log.info(
          { event: "business", action: "lead-status-changed", leadId: id, from: result.from, to: status },
          "lead status changed",
        );
        return result.lead;
      });
    },
    { prefix: "/api/leads" },
  );
}
