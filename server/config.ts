// Process configuration for `presence-hub start`/`demo`: read from an optional JSON file, then overridden
// by PRESENCE_HUB_* environment variables (docs/operations.md lists every one). Pure: no side effects.
import { readFileSync } from "node:fs";
import { isIP, isIPv4 } from "node:net";
import { resolve } from "node:path";
import { HubError } from "../common/errors.js";
import { defaultRulesDir } from "../common/paths.js";

export interface HubConfig {
  /** Directory of the embedded database, key file and admin credentials. */
  dataDir: string;
  host: string;
  port: number;
  rulesDir: string;
  adminUser: string;
  /** Plain admin password from the environment (hashed in memory, never stored or logged). */
  adminPassword?: string;
  /** Pre-hashed admin password (`scrypt$...`, see `presence-hub start --hash-password`). */
  adminPasswordHash?: string;
  /** Bearer token for automation (Authorization: Bearer …). Unset = no token access. */
  apiToken?: string;
  /** Key for secrets at rest (passed to the store); unset = generated key file in the data dir. */
  secretKey?: string;
  logLevel: string;
  /** Externally reachable base URL (Graph webhook and OAuth redirect); default http://host:port. */
  publicBaseUrl: string;
  /**
   * True when publicBaseUrl was configured (PRESENCE_HUB_PUBLIC_URL, config file, --public-url) rather than
   * defaulted. Only a configured one becomes the Teams webhook base: the default names a local address
   * Graph cannot reach.
   */
  publicBaseUrlConfigured?: boolean;
  /** Require authentication for GET /metrics. */
  metricsAuth: boolean;
  /** Mark the session cookie Secure (default: when publicBaseUrl is https). */
  cookieSecure: boolean;
  /** Session lifetime in minutes. */
  sessionTtlMinutes: number;
  /**
   * Reverse proxies whose X-Forwarded-For is believed (fastify trustProxy): false, or addresses/CIDRs of
   * the proxies. Matters for the per-address login limit behind a proxy. `true` (believe every client) is
   * still accepted for compatibility, with a warning at start: any client can then pick its address.
   */
  trustProxy: boolean | string[];
  /**
   * PostgreSQL (postgres://…): the shared store of several instances instead of the embedded SQLite one.
   * Every instance then needs the same secret key and the admin password from the configuration.
   */
  databaseUrl?: string;
  /** How the other instances reach this one's HTTP server (default http://<host or hostname>:<port>). */
  advertiseUrl?: string;
  /** This instance's name among several (health, leases, logs); default <hostname>-<random>. */
  instanceId?: string;
  /** Lease lifetime with several instances: a dead instance's tenants move after at most this long. */
  leaseSeconds: number;
  /** A graceful stop undoes what the hub set even when another instance could take over. */
  undoOnStop: boolean;
}

/** Every environment variable the hub reads, with the config key it sets (kept in sync with docs). */
export const ENV_VARS = {
  PRESENCE_HUB_DATA_DIR: "dataDir",
  PRESENCE_HUB_HOST: "host",
  PRESENCE_HUB_PORT: "port",
  PRESENCE_HUB_RULES_DIR: "rulesDir",
  PRESENCE_HUB_ADMIN_USER: "adminUser",
  PRESENCE_HUB_ADMIN_PASSWORD: "adminPassword",
  PRESENCE_HUB_ADMIN_PASSWORD_HASH: "adminPasswordHash",
  PRESENCE_HUB_API_TOKEN: "apiToken",
  PRESENCE_HUB_SECRET_KEY: "secretKey",
  PRESENCE_HUB_LOG_LEVEL: "logLevel",
  PRESENCE_HUB_PUBLIC_URL: "publicBaseUrl",
  PRESENCE_HUB_METRICS_AUTH: "metricsAuth",
  PRESENCE_HUB_COOKIE_SECURE: "cookieSecure",
  PRESENCE_HUB_SESSION_TTL_MINUTES: "sessionTtlMinutes",
  PRESENCE_HUB_TRUST_PROXY: "trustProxy",
  PRESENCE_HUB_DATABASE_URL: "databaseUrl",
  PRESENCE_HUB_ADVERTISE_URL: "advertiseUrl",
  PRESENCE_HUB_LEASE_SECONDS: "leaseSeconds",
  PRESENCE_HUB_INSTANCE_ID: "instanceId",
  PRESENCE_HUB_UNDO_ON_STOP: "undoOnStop",
} as const satisfies Record<string, keyof HubConfig>;

type RawConfig = Partial<Record<keyof HubConfig, unknown>>;

function bool(name: string, v: unknown): boolean {
  if (typeof v === "boolean") return v;
  const s = String(v).trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(s)) return true;
  if (["0", "false", "no", "off", ""].includes(s)) return false;
  throw new HubError("CONFIG_INVALID", `${name}: expected true or false, got "${String(v)}"`);
}

function int(name: string, v: unknown, min: number, max: number): number {
  const n = typeof v === "number" ? v : Number(String(v).trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new HubError("CONFIG_INVALID", `${name}: expected an integer ${min}..${max}, got "${String(v)}"`);
  }
  return n;
}

/** Names proxy-addr (fastify trustProxy) understands besides addresses and CIDRs. */
const PROXY_RANGES = new Set(["loopback", "linklocal", "uniquelocal"]);

/** An address, a CIDR (10.0.0.0/8, fd00::/8), an IPv4 address/netmask, or a proxy-addr range name. */
function isProxyEntry(entry: string): boolean {
  if (PROXY_RANGES.has(entry) || isIP(entry)) return true;
  const m = /^([^/]+)\/(.+)$/.exec(entry);
  if (!m) return false;
  const version = isIP(m[1]);
  if (!version) return false;
  if (/^\d{1,3}$/.test(m[2])) return Number(m[2]) <= (version === 4 ? 32 : 128);
  return version === 4 && isIPv4(m[2]);
}

function trustProxy(v: unknown): boolean | string[] {
  if (v === undefined || typeof v === "boolean") return v ?? false;
  let list: string[];
  if (Array.isArray(v)) list = v.map((x) => String(x).trim());
  else {
    const s = String(v).trim();
    if (/^(true|false|yes|no|on|off|1|0|)$/i.test(s)) return bool("trustProxy", s);
    list = s.split(",").map((x) => x.trim()).filter(Boolean);
  }
  // Only explicit proxies: anything else (host names, hop counts) is an error rather than a silent `true`.
  const bad = list.filter((x) => !isProxyEntry(x));
  if (bad.length) {
    throw new HubError(
      "CONFIG_INVALID",
      `trustProxy: expected true/false or proxy addresses/CIDRs (e.g. 10.0.0.5, 10.0.0.0/24, loopback), got "${bad.join(", ")}"`,
    );
  }
  return list;
}

function instanceId(v: unknown): string | undefined {
  const s = str(v);
  if (s !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(s)) {
    throw new HubError("CONFIG_INVALID", `instanceId: letters, digits, '.', '_' and '-' (at most 63), got "${s}"`);
  }
  return s;
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s === "" ? undefined : s;
}

/** Read a JSON config file whose keys are the HubConfig field names. */
export function readConfigFile(path: string): RawConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new HubError("CONFIG_INVALID", `cannot read config file ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new HubError("CONFIG_INVALID", `config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new HubError("CONFIG_INVALID", `config file ${path} must contain a JSON object`);
  }
  const known = new Set<string>(Object.values(ENV_VARS));
  for (const k of Object.keys(parsed)) {
    if (!known.has(k)) throw new HubError("CONFIG_INVALID", `config file ${path}: unknown key "${k}"`);
  }
  return parsed as RawConfig;
}

/**
 * Merge defaults ← file ← environment ← explicit overrides (CLI flags) into a validated HubConfig.
 * Relative paths are resolved against the current directory.
 */
export function loadConfig(
  opts: { env?: NodeJS.ProcessEnv; file?: string; overrides?: RawConfig } = {},
): HubConfig {
  const env = opts.env ?? process.env;
  const raw: RawConfig = { ...(opts.file ? readConfigFile(opts.file) : {}) };
  for (const [name, key] of Object.entries(ENV_VARS)) {
    const v = env[name];
    if (v !== undefined && v !== "") raw[key] = v;
  }
  if (raw.logLevel === undefined && env.LOG_LEVEL) raw.logLevel = env.LOG_LEVEL;
  for (const [k, v] of Object.entries(opts.overrides ?? {})) {
    if (v !== undefined) raw[k as keyof HubConfig] = v;
  }

  const host = str(raw.host) ?? "127.0.0.1";
  const port = raw.port === undefined ? 8080 : int("port", raw.port, 0, 65535);
  const publicBaseUrl = (str(raw.publicBaseUrl) ?? `http://${host.includes(":") ? `[${host}]` : host}:${port}`).replace(
    /\/+$/,
    "",
  );
  try {
    new URL(publicBaseUrl);
  } catch {
    throw new HubError("CONFIG_INVALID", `publicBaseUrl: not a URL: "${publicBaseUrl}"`);
  }
  const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
  const logLevel = str(raw.logLevel) ?? "info";
  if (!levels.includes(logLevel)) {
    throw new HubError("CONFIG_INVALID", `logLevel: expected one of ${levels.join(", ")}, got "${logLevel}"`);
  }
  const adminPasswordHash = str(raw.adminPasswordHash);
  if (adminPasswordHash && !adminPasswordHash.startsWith("scrypt$")) {
    throw new HubError("CONFIG_INVALID", "adminPasswordHash: expected a scrypt$… hash (presence-hub start --hash-password)");
  }
  const databaseUrl = str(raw.databaseUrl);
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new HubError("CONFIG_INVALID", "databaseUrl: expected postgres://user:password@host:port/database");
  }
  const advertiseUrl = str(raw.advertiseUrl)?.replace(/\/+$/, "");
  if (advertiseUrl && !/^https?:\/\/[^/]+$/.test(advertiseUrl)) {
    throw new HubError("CONFIG_INVALID", `advertiseUrl: expected http(s)://host:port, got "${advertiseUrl}"`);
  }
  const apiToken = str(raw.apiToken);
  if (apiToken && apiToken.length < 24) {
    throw new HubError("CONFIG_INVALID", "apiToken: use at least 24 characters (e.g. `openssl rand -hex 32`)");
  }
  return {
    dataDir: resolve(str(raw.dataDir) ?? "data"),
    host,
    port,
    rulesDir: resolve(str(raw.rulesDir) ?? defaultRulesDir),
    adminUser: str(raw.adminUser) ?? "admin",
    adminPassword: str(raw.adminPassword),
    adminPasswordHash,
    apiToken,
    secretKey: str(raw.secretKey),
    logLevel,
    publicBaseUrl,
    publicBaseUrlConfigured: str(raw.publicBaseUrl) !== undefined,
    metricsAuth: raw.metricsAuth === undefined ? false : bool("metricsAuth", raw.metricsAuth),
    cookieSecure:
      raw.cookieSecure === undefined ? publicBaseUrl.startsWith("https:") : bool("cookieSecure", raw.cookieSecure),
    sessionTtlMinutes:
      raw.sessionTtlMinutes === undefined ? 12 * 60 : int("sessionTtlMinutes", raw.sessionTtlMinutes, 5, 7 * 24 * 60),
    trustProxy: trustProxy(raw.trustProxy),
    databaseUrl,
    advertiseUrl,
    leaseSeconds: raw.leaseSeconds === undefined ? 10 : int("leaseSeconds", raw.leaseSeconds, 2, 60),
    instanceId: instanceId(raw.instanceId),
    undoOnStop: raw.undoOnStop === undefined ? false : bool("undoOnStop", raw.undoOnStop),
  };
}
