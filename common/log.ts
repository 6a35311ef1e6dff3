// Structured logging (pino) with a component name per module and redaction of every secret-bearing field.
// Use `logger("innovaphone")` in a module; the root logger is configured once by the process entry point.
import pino, { type Logger } from "pino";

/** Field names that must never reach a log line, wherever they are nested. */
export const SECRET_FIELDS = [
  "password",
  "clientSecret",
  "client_secret",
  "refreshToken",
  "refresh_token",
  "accessToken",
  "access_token",
  "digest",
  "authorization",
  "Authorization",
  "clientState",
  "token",
  "apiToken",
  "secret",
  "key",
  "dataKey",
  "privateKeyPem",
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const f of SECRET_FIELDS) paths.push(f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`);
  paths.push('req.headers["authorization"]', 'req.headers["cookie"]');
  return paths;
}

let root: Logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.VITEST ? "silent" : "info"),
  redact: { paths: redactPaths(), censor: "[redacted]" },
  base: { app: "presence-hub" },
});

/** Replace the root logger (e.g. to log to a file or to capture lines in a test). */
export function configureRootLogger(options: pino.LoggerOptions, destination?: pino.DestinationStream): Logger {
  root = pino({ redact: { paths: redactPaths(), censor: "[redacted]" }, base: { app: "presence-hub" }, ...options }, destination as pino.DestinationStream);
  return root;
}

export function rootLogger(): Logger {
  return root;
}

/** A child logger for one component, e.g. `logger("rules")`. */
export function logger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ component, ...bindings });
}

export type { Logger };
