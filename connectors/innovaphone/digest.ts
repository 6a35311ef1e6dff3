// AppWebsocket login digest and session key (innovaphone-appwebsocket.md §1.5, §1.6).
// Pure functions shared by the client (to log in) and the simulator (to verify), so both sides
// compute the exact same string and the reference's test vectors cover both.
import { createHash } from "node:crypto";

export interface DigestInput {
  app: string;
  domain?: string;
  sip?: string;
  guid?: string;
  dn?: string;
  /**
   * The `info` segment: the compact JSON text of `info` exactly as sent (JSON.stringify keeps key order),
   * or undefined when the message carries no `info` — then the whole segment and its separator vanish.
   */
  infoJson?: string;
  challenge: string;
  password: string;
}

function sha256Hex(s: string): string {
  return createHash("sha256").update(s, "utf8").digest("hex");
}

/** The string that is hashed: `app:domain:sip:guid:dn[:info]:challenge:password`, no escaping. */
export function digestString(i: DigestInput): string {
  const parts = [i.app, i.domain ?? "", i.sip ?? "", i.guid ?? "", i.dn ?? ""];
  if (i.infoJson !== undefined) parts.push(i.infoJson);
  parts.push(i.challenge, i.password);
  return parts.join(":");
}

/** Lowercase hex SHA-256 of the digest string (the PBX compares lowercase). */
export function computeDigest(i: DigestInput): string {
  return sha256Hex(digestString(i));
}

/** Session key, computed on both sides and never sent. Not used by the APIs the hub needs; kept for completeness. */
export function sessionKey(challenge: string, password: string): string {
  return sha256Hex(`innovaphoneAppSessionKey:${challenge}:${password}`);
}

/** The challenge is opaque; a numeric JSON value is forwarded as its decimal text (PHP-WS does the same). */
export function normalizeChallenge(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}
