import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Metrics } from "../metrics.js";
import { sendError } from "./errors.js";

const digest = (value: string) => createHash("sha256").update(value).digest();

type Failure = "missing" | "malformed" | "invalid";

/**
 * An onRequest hook that requires `Authorization: Bearer <token>`. Both sides are hashed before comparing,
 * so the comparison takes the same time whatever the length or content of the presented token.
 */
export function bearerAuth(token: string, metrics: Metrics) {
  const expected = digest(token);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    let failure: Failure | undefined;
    if (header === undefined) failure = "missing";
    else {
      const match = /^Bearer ([^\s]+)$/i.exec(header);
      if (!match) failure = "malformed";
      else if (!timingSafeEqual(digest(match[1] as string), expected)) failure = "invalid";
    }
    if (failure === undefined) return;
    metrics.authFailures.inc({ reason: failure });
    request.log.warn(
      { event: "security", reason: "auth-failed", authFailure: failure, ip: request.ip },
      "authentication failed",
    );
    reply.header("www-authenticate", 'Bearer realm="leadms"');
    return sendError(
      reply,
      401,
      `authorization header ${failure === "missing" ? "is required" : `is ${failure}`}: expected "Bearer <token>"`,
    );
  };
}
