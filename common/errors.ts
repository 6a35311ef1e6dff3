// Typed errors with stable codes. Every error the hub reports to a human or an API client is a HubError,
// so callers can branch on `code` and the API can map it to an HTTP status without string matching.

export type ErrorCode =
  // rule sets
  | "RULES_YAML_SYNTAX"
  | "RULES_SCHEMA"
  | "RULES_SEMANTIC"
  | "RULES_TEST_FAILED"
  | "RULES_FILE_MISSING"
  | "RULES_FILE_TOO_LARGE"
  | "RULES_FRAGMENT"
  | "RULES_UNKNOWN_TYPE"
  // connectors (shared taxonomy: transient → retry, auth → stop and ask the admin, config → permanent)
  | "CONNECT_FAILED"
  | "CONNECTION_CLOSED"
  | "TIMEOUT"
  | "AUTH_FAILED"
  | "ACCESS_DENIED"
  | "CONFIG_INVALID"
  | "PROTOCOL"
  | "NOT_FOUND"
  | "THROTTLED"
  | "UPSTREAM"
  // hub / API
  | "VALIDATION"
  | "CONFLICT"
  | "UNAUTHORIZED"
  /** Authenticated, but the account's role does not allow it (a tenant admin asking for hub-wide settings). */
  | "FORBIDDEN"
  | "STORE"
  /** The shared store cannot be reached (retried; nothing is written outside meanwhile). */
  | "STORE_UNAVAILABLE"
  /** A write of an instance that no longer holds the lease (another instance owns the tenant now). */
  | "STORE_FENCED"
  /** Several instances: nobody runs the tenant right now (an instance is taking it over). */
  | "NO_OWNER"
  | "INTERNAL";

export class HubError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HubError";
    this.code = code;
    this.details = options?.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export function isHubError(e: unknown, code?: ErrorCode): e is HubError {
  return e instanceof HubError && (code === undefined || e.code === code);
}

/** A message for humans from anything thrown. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
