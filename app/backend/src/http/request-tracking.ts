import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Incoming ids are kept only when short and plain, so a client cannot inject into logs or headers. */
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
export const REQUEST_ID_HEADER = "x-request-id";

/**
 * Generated ids are this process's random prefix and a counter: unique across replicas and restarts,
 * and far cheaper per request than a UUID.
 */
const processPrefix = randomBytes(6).toString("hex");
let counter = 0;
const requestId = Symbol("leadms.requestId");

type TrackedRequest = IncomingMessage & { [requestId]?: string };

/** The incoming id, read from the raw header list: `request.headers` is built lazily, and costly. */
function incomingRequestId(request: IncomingMessage): string | undefined {
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === REQUEST_ID_HEADER.length && name.toLowerCase() === REQUEST_ID_HEADER)
      return raw[i + 1];
  }
  return undefined;
}

function assignRequestId(request: TrackedRequest): string {
  const incoming = incomingRequestId(request);
  if (incoming !== undefined && VALID_REQUEST_ID.test(incoming)) return incoming;
  counter += 1;
  return `${processPrefix}-${counter.toString(36)}`;
}

/** Fastify's genReqId: the id assigned when the request arrived. */
export function requestIdOf(request: TrackedRequest): string {
  return request[requestId] ?? assignRequestId(request);
}

/**
 * Gives a request its id and echoes it in `x-request-id`. Runs on the HTTP server itself, before
 * Fastify or the probe fast path, so every request gets one.
 */
export function tagRequest(request: TrackedRequest, response: ServerResponse): void {
  const id = assignRequestId(request);
  request[requestId] = id;
  response.setHeader(REQUEST_ID_HEADER, id);
}
