// Rich-notification crypto on the hub side (msgraph-presence.md §3.8): the hub's RSA key pair and
// self-signed certificate (public part sent as encryptionCertificate), decryption of encryptedContent
// (RSA-OAEP-SHA1 dataKey → HMAC-SHA256 check → AES-256-CBC with IV = key[0..16]) with old certificates
// kept for rotation, and the validationTokens JWT check against the authority's JWKS.
import {
  X509Certificate,
  createDecipheriv,
  createPrivateKey,
  type KeyObject,
  createHash,
  createHmac,
  privateDecrypt,
  randomBytes,
  constants as cryptoConstants,
  webcrypto,
} from "node:crypto";
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import { generate } from "selfsigned";
import { HubError } from "../../common/errors.js";
import { safeEqual } from "../../common/safe-equal.js";
import { GRAPH_CHANGE_TRACKING_APP_ID, type ResolvedTeamsConfig } from "./config.js";
import type { HttpTransport } from "./http.js";

export interface EncryptionCertificate {
  /** Our encryptionCertificateId (≤ 128 chars). */
  id: string;
  /** Base64 DER X.509 with the public key only, as Graph wants it. */
  certificateBase64: string;
  privateKeyPem: string;
  /** Hex SHA-1 thumbprint, for logs. */
  thumbprint: string;
  createdAt: number;
  /** The certificate's notAfter (ms since the epoch). */
  expiresAt: number;
}

/** notAfter of a base64 DER certificate (ms); throws on anything that is not a certificate. */
export function certificateExpiry(certificateBase64: string): number {
  return Date.parse(new X509Certificate(Buffer.from(certificateBase64, "base64")).validTo);
}

export interface EncryptedContent {
  data: string;
  dataSignature: string;
  dataKey: string;
  encryptionCertificateId: string;
  encryptionCertificateThumbprint?: string;
}

/** A fresh RSA-2048 key pair and a self-signed certificate (Graph only uses its public key). */
export async function generateEncryptionCertificate(days = 365): Promise<EncryptionCertificate> {
  const r = await generate([{ name: "commonName", value: "Presence Hub notifications" }], {
    keySize: 2048,
    algorithm: "sha256",
    notAfterDate: new Date(Date.now() + days * 24 * 3600_000),
  });
  const der = Buffer.from(r.cert.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ""), "base64");
  const certificateBase64 = der.toString("base64");
  return {
    id: `hub-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString("hex")}`,
    certificateBase64,
    privateKeyPem: r.private,
    thumbprint: createHash("sha1").update(der).digest("hex"),
    createdAt: Date.now(),
    expiresAt: certificateExpiry(certificateBase64),
  };
}

/** Holds the current certificate and the previous ones, so items encrypted before a rotation still decrypt. */
export class NotificationKeyring {
  private readonly certs = new Map<string, EncryptionCertificate>();
  /** Parsed private keys: parsing the PEM on every item would cost more than the RSA operation itself. */
  private readonly keys = new Map<string, KeyObject>();
  /** The same keys for WebCrypto, whose RSA operations run on libuv's thread pool instead of the event loop. */
  private readonly subtleKeys = new Map<string, Promise<webcrypto.CryptoKey>>();
  private currentId?: string;

  add(cert: EncryptionCertificate, makeCurrent = true): void {
    this.certs.set(cert.id, cert);
    const keyObject = createPrivateKey(cert.privateKeyPem);
    this.keys.set(cert.id, keyObject);
    const subtleKey = webcrypto.subtle.importKey(
      "pkcs8",
      keyObject.export({ type: "pkcs8", format: "der" }),
      { name: "RSA-OAEP", hash: "SHA-1" },
      false,
      ["decrypt"],
    );
    subtleKey.catch(() => undefined); // surfaced when an item needs it
    this.subtleKeys.set(cert.id, subtleKey);
    if (makeCurrent) this.currentId = cert.id;
    // Keep the current one plus the two before it.
    const ids = [...this.certs.keys()];
    while (ids.length > 3) {
      const old = ids.shift()!;
      if (old !== this.currentId) {
        this.certs.delete(old);
        this.keys.delete(old);
        this.subtleKeys.delete(old);
      }
    }
  }

  current(): EncryptionCertificate | undefined {
    return this.currentId ? this.certs.get(this.currentId) : undefined;
  }

  /** The certificates held, current first, then the others newest first. */
  list(): EncryptionCertificate[] {
    const cur = this.current();
    const rest = [...this.certs.values()].filter((c) => c !== cur).reverse();
    return cur ? [cur, ...rest] : rest;
  }

  /** Decrypt one item's encryptedContent; throws PROTOCOL on unknown certificate or bad signature. */
  decrypt(content: EncryptedContent): unknown {
    const privateKey = this.keys.get(content.encryptionCertificateId);
    if (!privateKey)
      throw new HubError(
        "PROTOCOL",
        `Notification encrypted for unknown certificate ${content.encryptionCertificateId}`,
      );
    let key: Buffer;
    try {
      key = privateDecrypt(
        { key: privateKey, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
        Buffer.from(content.dataKey, "base64"),
      );
    } catch (e) {
      throw new HubError("PROTOCOL", "Notification dataKey cannot be decrypted", { cause: e });
    }
    return openContent(key, content);
  }

  /**
   * Like decrypt, but the RSA step (most of the cost) runs on the thread pool, so a batch of items can be
   * decrypted in parallel on other cores while the event loop keeps acknowledging webhooks.
   */
  async decryptAsync(content: EncryptedContent): Promise<unknown> {
    const privateKey = this.subtleKeys.get(content.encryptionCertificateId);
    if (!privateKey)
      throw new HubError(
        "PROTOCOL",
        `Notification encrypted for unknown certificate ${content.encryptionCertificateId}`,
      );
    let key: Buffer;
    try {
      const raw = await webcrypto.subtle.decrypt(
        { name: "RSA-OAEP" },
        await privateKey,
        Buffer.from(content.dataKey, "base64"),
      );
      key = Buffer.from(raw);
    } catch (e) {
      throw new HubError("PROTOCOL", "Notification dataKey cannot be decrypted", { cause: e });
    }
    return openContent(key, content);
  }
}

/** HMAC-SHA256 check of `data`, then AES-256-CBC with IV = key[0..16] (msgraph-presence.md §3.8). */
function openContent(key: Buffer, content: EncryptedContent): unknown {
  const data = Buffer.from(content.data, "base64");
  const expected = createHmac("sha256", key).update(data).digest();
  const given = Buffer.from(content.dataSignature, "base64");
  if (!safeEqual(given, expected)) {
    throw new HubError("PROTOCOL", "Notification dataSignature does not match; item dropped");
  }
  try {
    const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
    const plain = Buffer.concat([decipher.update(data), decipher.final()]).toString("utf8");
    return JSON.parse(plain);
  } catch (e) {
    throw new HubError("PROTOCOL", "Notification data cannot be decrypted", { cause: e });
  }
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks validationTokens: signature against the authority's JWKS, expiry, audience = our app id,
 * caller = Graph Change Tracking (azp/appid), tenant = the configured one, issuer of that tenant.
 * Verified tokens are cached until they expire because Graph repeats the same token in every notification.
 */
export class ValidationTokenVerifier {
  private jwks?: { set: ReturnType<typeof createLocalJWKSet>; fetchedAt: number };
  private readonly verified = new Map<string, number>();

  constructor(
    private readonly cfg: ResolvedTeamsConfig,
    private readonly transport: HttpTransport,
  ) {}

  private async keys(force = false): Promise<ReturnType<typeof createLocalJWKSet>> {
    if (!force && this.jwks && Date.now() - this.jwks.fetchedAt < 24 * 3600_000) return this.jwks.set;
    const res = await this.transport.request({
      method: "GET",
      url: `${this.cfg.authority}/common/discovery/v2.0/keys`,
      timeoutMs: this.cfg.requestTimeoutMs,
    });
    if (res.status !== 200) throw new HubError("UPSTREAM", `JWKS download failed with HTTP ${res.status}`);
    this.jwks = { set: createLocalJWKSet(JSON.parse(res.body) as JSONWebKeySet), fetchedAt: Date.now() };
    return this.jwks.set;
  }

  async verify(token: string, tenantId: string): Promise<void> {
    const cachedExp = this.verified.get(token);
    if (cachedExp && cachedExp > Date.now()) return;
    const check = async (force: boolean) =>
      jwtVerify(token, await this.keys(force), { audience: this.cfg.clientId, clockTolerance: 300 });
    let payload: Awaited<ReturnType<typeof check>>["payload"];
    try {
      payload = (await check(false)).payload;
    } catch (e) {
      // A key rotation at the authority: refresh the JWKS once before failing.
      if ((e as { code?: string }).code !== "ERR_JWKS_NO_MATCHING_KEY")
        throw new HubError("PROTOCOL", `validationToken rejected: ${(e as Error).message}`);
      try {
        payload = (await check(true)).payload;
      } catch (e2) {
        throw new HubError("PROTOCOL", `validationToken rejected: ${(e2 as Error).message}`);
      }
    }
    const caller = (payload.azp ?? payload.appid) as string | undefined;
    if (caller !== GRAPH_CHANGE_TRACKING_APP_ID)
      throw new HubError("PROTOCOL", "validationToken was not issued to Microsoft Graph Change Tracking");
    // The item's tenantId is as forgeable as the rest of the body, so a configured tenant id decides; a
    // configured domain name cannot be compared with `tid`, then the item's tenantId is all there is.
    const expected = (GUID_RE.test(this.cfg.tenantId) ? this.cfg.tenantId : tenantId).toLowerCase();
    const tid = String(payload.tid ?? expected);
    if (expected && tid.toLowerCase() !== expected)
      throw new HubError("PROTOCOL", "validationToken was issued for another tenant");
    const iss = String(payload.iss ?? "");
    const okIssuer =
      iss === `${this.cfg.authority}/${tid}/v2.0` ||
      iss === `https://sts.windows.net/${tid}/` ||
      iss === `https://login.microsoftonline.com/${tid}/v2.0`;
    if (!okIssuer) throw new HubError("PROTOCOL", "validationToken has an unexpected issuer for its tenant");
    this.verified.set(token, (payload.exp ?? 0) * 1000);
    if (this.verified.size > 1000) this.verified.clear();
  }
}
