import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { FastifyServerFactory } from "fastify";
import { tagRequest } from "./request-tracking.js";

/**
 * The HTTP server under Fastify: every request is tagged with its id, then offered to the fast path,
 * and only what that leaves goes through Fastify.
 */
export function serverFactory(fastPath: (request: IncomingMessage, response: ServerResponse) => boolean) {
  const factory: FastifyServerFactory = (handler) =>
    http.createServer((request, response) => {
      tagRequest(request, response);
      if (!fastPath(request, response)) handler(request, response);
    });
  return factory;
}
