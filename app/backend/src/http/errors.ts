import { STATUS_CODES } from "node:http";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";

/** An error whose message is safe to show the client. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

type RequestPart = "body" | "query" | "params";

function describeIssue(part: RequestPart, issue: z.core.$ZodIssue): string[] {
  const path = [part, ...issue.path.map(String)].join(".");
  if (issue.code === "unrecognized_keys") return issue.keys.map((key) => `${path}.${key} is not allowed`);
  if (issue.code === "invalid_type" && issue.input === undefined) return [`${path} is required`];
  return [`${path} ${issue.message}`];
}

/** Parses one part of a request, or throws a 400 that names every bad field. */
export function parseRequestPart<T extends z.ZodType>(
  schema: T,
  part: RequestPart,
  value: unknown,
): z.output<T> {
  if (part === "body" && (value === null || typeof value !== "object" || Array.isArray(value))) {
    throw new HttpError(400, "body must be a JSON object");
  }
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new HttpError(400, result.error.issues.flatMap((issue) => describeIssue(part, issue)).join("; "));
}

export function sendError(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  return reply.code(statusCode).send({
    error: STATUS_CODES[statusCode] ?? "Error",
    message,
    statusCode,
    requestId: reply.request.id,
  });
}

/** Connection-level failures (refused, reset, timed out, server shutting down): a 503, not a bug. */
function isDependencyUnavailable(error: Error & { code?: unknown }): boolean {
  const code = typeof error.code === "string" ? error.code : "";
  return (
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P03"].includes(code) ||
    code.startsWith("08") ||
    /timeout|Connection terminated/i.test(error.message)
  );
}

/** Statuses that mean the input itself was bad, as opposed to an unknown id or a state conflict. */
const REJECTED_INPUT_STATUSES = new Set([400, 413, 415]);

/**
 * Client mistakes (Fastify's own 4xx for bad JSON, sizes, media types, and HttpError) answer with their
 * status, bad input logged as a security event; a lost database connection is a 503 to retry; anything
 * else is a 500 with no internals in the body.
 */
export function handleError(error: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    if (REJECTED_INPUT_STATUSES.has(status)) {
      request.log.warn(
        { event: "security", reason: "rejected-input", statusCode: status, detail: error.message },
        "request rejected",
      );
    } else {
      request.log.info({ statusCode: status, detail: error.message }, "request refused");
    }
    return sendError(reply, status, error.message);
  }
  if (isDependencyUnavailable(error)) {
    request.log.error(
      { err: { message: error.message, code: (error as { code?: unknown }).code } },
      "dependency unavailable",
    );
    reply.header("retry-after", "5");
    return sendError(reply, 503, "a dependency is unavailable, retry later");
  }
  request.log.error({ err: error }, "request failed");
  return sendError(reply, 500, "internal error");
}
