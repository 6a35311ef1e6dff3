// Constant-time comparison of secrets (API token, admin user name, password hashes, notification
// signatures): the one implementation every part uses, so none falls back to `===` on a secret.
import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Constant-time equality of two strings or byte arrays of any length. Compares SHA-256 digests, so the
 * time depends neither on where the inputs differ nor on their lengths (timingSafeEqual alone throws on
 * unequal lengths, and an early length check would leak the secret's length).
 */
export function safeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db);
}
