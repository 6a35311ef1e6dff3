// The Teams connector's persistent state in the hub's store, all of it secret and therefore encrypted at
// rest (store getSecret/setSecret): the service accounts' refresh tokens and the notification encryption
// certificates (current + previous, with their private keys) that must survive restarts.
import type { CertificateStore } from "../../connectors/teams/certificates.js";
import type { EncryptionCertificate } from "../../connectors/teams/crypto.js";
import type { ServiceAccountToken, TokenStore } from "../../connectors/teams/tokens.js";
import type { HubStore } from "../store/types.js";

const tokenSecret = (id: string) => `serviceAccount/${id}/refreshToken`;
/** One secret holding the JSON list, current first: written whole, so current and previous stay consistent. */
export const CERTIFICATES_SECRET = "teams/notificationCertificates";

/** Service-account tokens in the encrypted store (the whole token JSON is the sealed secret). */
export class StoreTokenStore implements TokenStore {
  constructor(private readonly store: HubStore) {}
  async load(): Promise<ServiceAccountToken[]> {
    const out: ServiceAccountToken[] = [];
    for (const a of this.store.listServiceAccounts()) {
      const raw = this.store.getSecret(tokenSecret(a.id));
      if (raw) out.push(JSON.parse(raw) as ServiceAccountToken);
    }
    return out;
  }
  async save(token: ServiceAccountToken): Promise<void> {
    this.store.transaction(() => {
      const existing = this.store.listServiceAccounts().find((a) => a.id === token.accountId);
      this.store.putServiceAccount({
        id: token.accountId,
        upn: token.username,
        status: "active",
        addedAt: existing?.addedAt ?? new Date().toISOString(),
      });
      this.store.setSecret(tokenSecret(token.accountId), JSON.stringify(token));
    });
  }
  async remove(accountId: string): Promise<void> {
    this.store.deleteServiceAccount(accountId);
  }
}

/** Notification encryption certificates in the encrypted store. */
export class StoreCertificateStore implements CertificateStore {
  constructor(private readonly store: HubStore) {}
  async load(): Promise<EncryptionCertificate[]> {
    const raw = this.store.getSecret(CERTIFICATES_SECRET);
    if (!raw) return [];
    const list = JSON.parse(raw) as unknown;
    return Array.isArray(list) ? (list as EncryptionCertificate[]) : [];
  }
  async save(certificates: EncryptionCertificate[]): Promise<void> {
    this.store.setSecret(CERTIFICATES_SECRET, JSON.stringify(certificates));
  }
}
