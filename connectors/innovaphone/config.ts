// Configuration of one innovaphone connector (what the admin enters) and its validation.
import { HubError } from "../../common/errors.js";

export interface InnovaphoneConfig {
  /** PBX host name or address. */
  server: string;
  port: number;
  protocol: "ws" | "wss";
  /** Name (h323) of the App object the hub logs in as. */
  username: string;
  /** Password of the App object. Never logged. */
  password: string;
  /** PBX module path in the URL, default "PBX0". */
  modulePath?: string;
  /** Presence contact slot the hub writes; default DEFAULT_HUB_CONTACT ("presence-hub:"). */
  hubContact?: string;
  /** TLS for wss: verified by default; `ca` adds a trusted CA (PEM); `insecure` turns verification off. */
  tls?: { ca?: string; insecure?: boolean };
  /** Per-request timeout (ms), default 10000. */
  requestTimeoutMs?: number;
  /** Open + login timeout (ms), default 10000. */
  connectTimeoutMs?: number;
  /** WebSocket ping period (ms), default 30000; 0 disables liveness checks. */
  pingIntervalMs?: number;
  /** {"mt":"KeepAlive"} after this much send-silence (ms), default 60000. */
  keepAliveIntervalMs?: number;
  /** Declare the PBX dead after this much receive-silence (ms), default 2 × ping + 1 s. */
  deadAfterMs?: number;
  /** Shape of a new CFB entry when the user has no cds to copy the shape from, default "admin". */
  cfbShape?: "admin" | "flat";
}

/**
 * The hub's own presence contact. A private slot (not `tel:`) keeps whatever the user set by hand and lets
 * the hub recognise its own echo; set "tel:" if a PBX turns out to evaluate only the tel: item for
 * Call forward based on Presence (innovaphone-appwebsocket.md §3.3, open question §10.1).
 */
export const DEFAULT_HUB_CONTACT = "presence-hub:";

/** Throws CONFIG_INVALID with a sentence naming the first bad field. */
export function validateInnovaphoneConfig(c: InnovaphoneConfig): void {
  const bad = (m: string) => {
    throw new HubError("CONFIG_INVALID", m);
  };
  if (!c || typeof c !== "object") bad("No PBX configuration");
  if (!c.server || typeof c.server !== "string" || /[\s/]/.test(c.server))
    bad("PBX server: enter a host name or address");
  if (!Number.isInteger(c.port) || c.port < 1 || c.port > 65535)
    bad("PBX port must be a number between 1 and 65535");
  if (c.protocol !== "ws" && c.protocol !== "wss") bad('PBX protocol must be "ws" or "wss"');
  if (!c.username) bad("App object name is missing");
  if (!c.password) bad("App object password is missing");
  if (c.modulePath && !/^[A-Za-z0-9_.-]+$/.test(c.modulePath.replace(/^\/+|\/+$/g, ""))) {
    bad("PBX module path must be a single path segment such as PBX0");
  }
  if (c.hubContact !== undefined && !c.hubContact) bad("Hub contact slot must not be empty");
  if (c.tls?.ca && !c.tls.ca.includes("-----BEGIN CERTIFICATE-----")) bad("TLS CA must be a PEM certificate");
}
