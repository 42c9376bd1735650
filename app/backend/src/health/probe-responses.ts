/** The fixed answers of the probe endpoints, shared by the Fastify routes and the fast path. */
export const TEXT_TYPE = "text/plain; charset=utf-8";
export const JSON_TYPE = "application/json; charset=utf-8";
export const PONG = "pong";
export const ALIVE_BODY = JSON.stringify({ status: "alive" });
export const READY_BODY = JSON.stringify({ status: "ready" });
