// The notification encryption certificate across restarts and its rotation (msgraph-presence.md §3.8).
// Graph encrypts rich notifications for the certificate a subscription names, so a new key pair on every
// start would leave items in flight undecryptable and change every subscription. Instead the current
// certificate and the previous one (items encrypted before a switch may still arrive) live in a
// CertificateStore — for the hub its encrypted secrets — and a certificate with less than
// `certificateRotateBeforeMs` left is replaced, at start and at a periodic check. Subscriptions switch at
// their next renewal (subscriptions.ts). The private keys are secrets: never logged, only ids/thumbprints.
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import {
  certificateExpiry,
  type EncryptionCertificate,
  generateEncryptionCertificate,
  type NotificationKeyring,
} from "./crypto.js";

/** Where the certificates are kept between runs. */
export interface CertificateStore {
  /** The kept certificates, current first. */
  load(): Promise<EncryptionCertificate[]>;
  /** Replace the kept certificates (current first). Holds private keys: store them encrypted. */
  save(certificates: EncryptionCertificate[]): Promise<void>;
}

/** A store in memory (tests, the CLI): kept for the life of the process only. */
export class InMemoryCertificateStore implements CertificateStore {
  constructor(private certs: EncryptionCertificate[] = []) {}
  async load(): Promise<EncryptionCertificate[]> {
    return this.certs.map((c) => ({ ...c }));
  }
  async save(certificates: EncryptionCertificate[]): Promise<void> {
    this.certs = certificates.map((c) => ({ ...c }));
  }
}

export interface CertificatePolicy {
  /** Replace the current certificate when it has less than this left. */
  rotateBeforeMs: number;
  /** Validity of a new certificate, in days. */
  lifetimeDays: number;
  /** How often a running connector checks whether the certificate is due. */
  checkIntervalMs: number;
}

/** Kept across restarts: the current certificate and the one before it (in-flight items of the switch). */
const KEPT = 2;

/** Public facts of a certificate for log lines (never the key). */
const describe = (c: EncryptionCertificate) => ({
  certificateId: c.id,
  thumbprint: c.thumbprint,
  expiresAt: new Date(c.expiresAt).toISOString(),
});

export class CertificateManager {
  private loaded = false;
  /** Loads, rotations and saves run one after the other (a restart may overlap a check). */
  private chain: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;

  constructor(
    readonly keyring: NotificationKeyring,
    private readonly store: CertificateStore | undefined,
    private readonly policy: CertificatePolicy,
    private readonly log: Logger,
  ) {}

  /** The current certificate: the stored one while it has enough time left, else a new one (saved). */
  ensure(): Promise<EncryptionCertificate> {
    return this.serial(async () => {
      if (!this.loaded) {
        await this.load();
        this.loaded = true;
      }
      const cur = this.keyring.current();
      if (cur && cur.expiresAt - Date.now() > this.policy.rotateBeforeMs) return cur;
      return this.rotate(cur ? "expires soon" : "none stored");
    });
  }

  /** A new certificate now (admin request); the previous one stays for items in flight. */
  rotateNow(): Promise<EncryptionCertificate> {
    return this.serial(async () => {
      if (!this.loaded) {
        await this.load();
        this.loaded = true;
      }
      return this.rotate("requested");
    });
  }

  /** Check every checkIntervalMs whether the certificate is due (idempotent). */
  startChecks(): void {
    if (this.timer || this.policy.checkIntervalMs <= 0) return;
    const tick = () => {
      this.timer = setTimeout(() => {
        this.ensure()
          .catch((e: unknown) =>
            this.log.warn({ err: errorMessage(e) }, "notification certificate check failed; retrying at the next check"),
          )
          .finally(() => {
            if (this.timer) tick();
          });
      }, this.policy.checkIntervalMs);
      this.timer.unref?.();
    };
    tick();
  }

  stopChecks(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<void> {
    if (!this.store) return;
    let stored: EncryptionCertificate[];
    try {
      stored = await this.store.load();
    } catch (e) {
      this.log.warn({ err: errorMessage(e) }, "stored notification certificates unreadable; generating a new one");
      return;
    }
    // Oldest first, so the keyring keeps its order; the first stored one becomes current unless the
    // keyring was handed a current certificate already.
    const usable = stored.slice(0, KEPT).flatMap((c) => {
      try {
        // The expiry is read from the certificate itself, not trusted from the stored JSON.
        return [{ ...c, expiresAt: certificateExpiry(c.certificateBase64) }];
      } catch {
        this.log.warn({ certificateId: c.id }, "a stored notification certificate is not a certificate; dropped");
        return [];
      }
    });
    const makeCurrent = !this.keyring.current();
    for (const [i, c] of [...usable.entries()].reverse()) {
      try {
        this.keyring.add(c, makeCurrent && i === 0);
      } catch {
        this.log.warn({ certificateId: c.id }, "a stored notification certificate has an unusable key; dropped");
      }
    }
  }

  private async rotate(reason: string): Promise<EncryptionCertificate> {
    const previous = this.keyring.current();
    const next = await generateEncryptionCertificate(this.policy.lifetimeDays);
    this.keyring.add(next);
    if (this.store) {
      try {
        await this.store.save(this.keyring.list().slice(0, KEPT));
      } catch (e) {
        // Still usable for this run; the next start generates another one.
        this.log.warn({ err: errorMessage(e) }, "could not store the notification certificate");
      }
    }
    this.log.info(
      { ...describe(next), previous: previous?.id ?? null, reason },
      previous
        ? "notification certificate rotated; subscriptions switch at their next renewal"
        : "notification certificate generated",
    );
    return next;
  }
}
