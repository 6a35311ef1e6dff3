// The Teams connector's persistent state in the hub's store, all of it secret and therefore encrypted at
// rest (store getSecret/setSecret): the service accounts' refresh tokens and the notification encryption
// certificates (current + previous, with their private keys) that must survive restarts — per tenant.
import type { CertificateStore } from "../../connectors/teams/certificates.js";
import type { EncryptionCertificate } from "../../connectors/teams/crypto.js";
import type { ServiceAccountToken, TokenStore } from "../../connectors/teams/tokens.js";
import type { HubStore } from "../store/types.js";

/** Every secret of a tenant's Microsoft 365 side lives under `tenant/<id>/` (deleted with the tenant). */
export const tenantSecret = (tenant: string, name: string) => `tenant/${tenant}/${name}`;
const tokenSecret = (tenant: string, id: string) => tenantSecret(tenant, `serviceAccount/${id}/refreshToken`);
/** One secret holding the JSON list, current first: written whole, so current and previous stay consistent. */
export const certificatesSecret = (tenant: string) => tenantSecret(tenant, "teams/notificationCertificates");

/** Service-account tokens in the encrypted store (the whole token JSON is the sealed secret). */
export class StoreTokenStore implements TokenStore {
  constructor(
    private readonly store: HubStore,
    private readonly tenant: string,
  ) {}
  async load(): Promise<ServiceAccountToken[]> {
    const out: ServiceAccountToken[] = [];
    for (const a of this.store.listServiceAccounts(this.tenant)) {
      const raw = this.store.getSecret(tokenSecret(this.tenant, a.id));
      if (raw) out.push(JSON.parse(raw) as ServiceAccountToken);
    }
    return out;
  }
  async save(token: ServiceAccountToken): Promise<void> {
    const existing = this.store.listServiceAccounts(this.tenant).find((a) => a.id === token.accountId);
    await this.store.write((w) => {
      w.putServiceAccount(this.tenant, {
        id: token.accountId,
        upn: token.username,
        status: "active",
        addedAt: existing?.addedAt ?? new Date().toISOString(),
      });
      w.setSecret(tokenSecret(this.tenant, token.accountId), JSON.stringify(token));
    });
  }
  async remove(accountId: string): Promise<void> {
    await this.store.write((w) => w.deleteServiceAccount(this.tenant, accountId));
  }
}

/** Notification encryption certificates in the encrypted store. */
export class StoreCertificateStore implements CertificateStore {
  constructor(
    private readonly store: HubStore,
    private readonly tenant: string,
  ) {}
  async load(): Promise<EncryptionCertificate[]> {
    const raw = this.store.getSecret(certificatesSecret(this.tenant));
    if (!raw) return [];
    const list = JSON.parse(raw) as unknown;
    return Array.isArray(list) ? (list as EncryptionCertificate[]) : [];
  }
  async save(certificates: EncryptionCertificate[]): Promise<void> {
    await this.store.write((w) => w.setSecret(certificatesSecret(this.tenant), JSON.stringify(certificates)));
  }
}
