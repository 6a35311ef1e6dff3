// The one error handler of the HTTP layer: HubError codes → HTTP statuses with a {code, message, details}
// body; fastify's schema errors → 400 VALIDATION with ajv's messages; unexpected errors → 500 without
// internals (logged with the stack). Also the 404s: JSON for the API (and any client that does not ask for
// HTML); a browser asking for an unknown page gets the UI shell with status 404, which shows its own
// not-found page with a link home.
import { readFileSync } from "node:fs";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type ErrorCode, isHubError } from "../../common/errors.js";

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  VALIDATION: 400,
  CONFIG_INVALID: 400,
  RULES_UNKNOWN_TYPE: 400,
  RULES_YAML_SYNTAX: 422,
  RULES_SCHEMA: 422,
  RULES_SEMANTIC: 422,
  RULES_TEST_FAILED: 422,
  RULES_FILE_MISSING: 404,
  RULES_FILE_TOO_LARGE: 422,
  RULES_FRAGMENT: 422,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  THROTTLED: 429,
  // Upstream systems (PBX, Graph) failing are gateway errors, never 401/403: the admin's own session is fine.
  AUTH_FAILED: 502,
  ACCESS_DENIED: 502,
  CONNECT_FAILED: 502,
  CONNECTION_CLOSED: 502,
  PROTOCOL: 502,
  UPSTREAM: 502,
  TIMEOUT: 504,
  STORE: 500,
  // The shared database is away, or this instance just lost the tenant: try again (another instance).
  STORE_UNAVAILABLE: 503,
  STORE_FENCED: 503,
  NO_OWNER: 503,
  INTERNAL: 500,
};

/** fastify's own 4xx errors (no HubError behind them) by status; anything else is a VALIDATION. */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  429: "THROTTLED",
};

export interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

function validationMessage(error: FastifyError): string {
  const ctx = error.validationContext ?? "body";
  const parts = (error.validation ?? []).map((v) => {
    const path = v.instancePath.replace(/^\//, "").replace(/\//g, ".");
    const where = path ? `${ctx}.${path}` : ctx;
    if (v.keyword === "additionalProperties") {
      return `${where}: unknown property "${(v.params as { additionalProperty?: string }).additionalProperty}"`;
    }
    if (v.keyword === "required") {
      return `${where}: missing required property "${(v.params as { missingProperty?: string }).missingProperty}"`;
    }
    return `${where} ${v.message ?? "is invalid"}`;
  });
  return parts.length ? parts.join("; ") : error.message;
}

export function toErrorReply(error: unknown): { status: number; body: ErrorBody; internal: boolean } {
  if (isHubError(error)) {
    const status = STATUS_BY_CODE[error.code] ?? 500;
    const body: ErrorBody = { code: error.code, message: error.message };
    // 500s are our own bugs: their details may carry internals, so only the code and message leave.
    if (error.details && status !== 500) body.details = error.details;
    return { status, body, internal: status === 500 };
  }
  const fe = error as FastifyError;
  if (fe?.validation) {
    return {
      status: 400,
      body: { code: "VALIDATION", message: validationMessage(fe), details: { errors: fe.validation } },
      internal: false,
    };
  }
  const status = typeof fe?.statusCode === "number" ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = CODE_BY_STATUS[status] ?? "VALIDATION";
    return { status, body: { code, message: fe.message }, internal: false };
  }
  return {
    status: 500,
    body: { code: "INTERNAL", message: "internal error (see the hub log)" },
    internal: true,
  };
}

/** Whether a 404 should be the UI's not-found page: a browser navigation outside /api/. */
function wantsPage(request: FastifyRequest): boolean {
  const path = request.url.split("?")[0];
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  if (path === "/api" || path.startsWith("/api/")) return false;
  return (request.headers.accept ?? "").includes("text/html");
}

export function registerErrorHandling(app: FastifyInstance, opts: { uiIndex?: string } = {}): void {
  let page: string | undefined;
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body, internal } = toErrorReply(error);
    if (internal) request.log.error({ err: error }, "request failed");
    else if (status >= 500) request.log.warn({ code: body.code, msg: body.message }, "upstream error");
    // A temporary condition that says when to come back (a tenant being taken over, a throttled login).
    const retry = (body.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if ((status === 503 || status === 429) && typeof retry === "number") reply.header("retry-after", String(retry));
    reply.code(status).type("application/json").send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    if (opts.uiIndex && wantsPage(request)) {
      try {
        page ??= readFileSync(opts.uiIndex, "utf8");
        return reply
          .code(404)
          .type("text/html; charset=utf-8")
          .header("cache-control", "no-cache")
          .send(page);
      } catch {
        // no UI shell on disk: fall through to the JSON answer
      }
    }
    reply
      .code(404)
      .send({ code: "NOT_FOUND", message: `no route ${request.method} ${request.url.split("?")[0]}` });
  });
}
