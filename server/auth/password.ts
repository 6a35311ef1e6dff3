// Admin password hashing with scrypt (node:crypto, no extra dependency), verified in constant time.
// Format: scrypt$N$r$p$<salt b64url>$<hash b64url>. Every hash carries its own parameters, so a hash made
// with older (cheaper) parameters still verifies, and `needsRehash` tells the login to replace it.
import { randomBytes, scrypt as scryptCb, type ScryptOptions } from "node:crypto";
import { HubError } from "../../common/errors.js";
import { safeEqual } from "../../common/safe-equal.js";

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * OWASP Password Storage Cheat Sheet (scrypt): N=2^17, r=8, p=1. Costs 128·N·r = 128 MiB of memory and a few
 * hundred ms of one libuv thread per hash; the login limiter bounds how many run per address.
 */
export const SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });
const KEYLEN = 32;
/**
 * Node refuses scrypt above `maxmem` (default 32 MiB, too small for N=2^17). 256 MiB leaves room for the
 * current parameters and OpenSSL's overhead, and caps what a (configured) hash with absurd parameters may take.
 */
const MAXMEM = 256 * 1024 * 1024;

interface ParsedHash extends ScryptParams {
  salt: Buffer;
  key: Buffer;
}

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** The parts of a `scrypt$…` hash, or undefined when it is not one. */
export function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const [, n, r, p, saltB64, keyB64] = parts;
  const [N, R, P] = [Number(n), Number(r), Number(p)];
  if (![N, R, P].every((x) => Number.isSafeInteger(x) && x > 0)) return undefined;
  const key = Buffer.from(keyB64, "base64url");
  if (key.length < 16) return undefined;
  return { N, r: R, p: P, salt: Buffer.from(saltB64, "base64url"), key };
}

export async function hashPassword(password: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p } = params;
  const key = await scrypt(password, salt, KEYLEN, { N, r, p, maxmem: MAXMEM });
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

/** Verify with the parameters stored in the hash (older hashes keep working). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parseHash(stored);
  if (!h) return false;
  let key: Buffer;
  try {
    key = await scrypt(password, h.salt, h.key.length, { N: h.N, r: h.r, p: h.p, maxmem: MAXMEM });
  } catch (e) {
    // Only a configured hash with impossible parameters gets here (e.g. N not a power of two).
    // INTERNAL: a 500 whose cause goes to the log, not to the client (it is not the client's mistake).
    throw new HubError("INTERNAL", `the admin password hash cannot be verified: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return safeEqual(key, h.key);
}

/** True when the hash is weaker than the current parameters (it is never downgraded when stronger). */
export function needsRehash(stored: string, current: ScryptParams = SCRYPT_PARAMS): boolean {
  const h = parseHash(stored);
  if (!h) return false;
  return h.N < current.N || h.r < current.r || h.p < current.p || h.key.length < KEYLEN;
}

/** "N=16384, r=8, p=1" for log lines (never the salt or the hash). */
export function describeHashParams(stored: string): string {
  const h = parseHash(stored);
  return h ? `N=${h.N}, r=${h.r}, p=${h.p}` : "not a scrypt hash";
}

/** A random password that is easy to copy from a terminal (no ambiguous characters). */
export function generatePassword(length = 20): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}
