// Microsoft 365: stored settings (client secret, service-account tokens and notification certificates
// encrypted, teams-stores.ts), the one Teams adapter, the webhook URL it uses (setting > the hub's public
// URL > polling), the directory used for endpoint matching, connection tests with unsaved settings, and
// the service-account sign-in (authorization code + PKCE) when the adapter supports it.
import type { ServiceAccountToken } from "../../connectors/teams/tokens.js";
import type { ConnectionTestResult, ConnectorStatus, TeamsAdapter } from "../../engine/ports/adapters.js";
import { teamsModule } from "../../connectors/teams/module.js";
import { TEAMS_DEFAULTS, TeamsSettingsInput } from "../../connectors/teams/settings.js";
import { errorMessage, HubError } from "../../common/errors.js";
import { withTimeout } from "../../common/timeout.js";
import { validateInput } from "../../common/validation.js";
import { runConnectionTest } from "../../engine/ports/connection-test.js";
import type { Logger } from "../../common/log.js";
import type { SyncCore } from "../../engine/sync/core.js";
import type { HubStore, StoredTeamsSettings } from "../store/types.js";
import type { EndpointDirectory } from "./endpoints.js";
import { changedTargetFields, requireSecretForNewTarget } from "./secret-binding.js";
import { statusEventLevel, type TenantEvents } from "./events.js";
import type { HubMetrics } from "./metrics.js";
import { StoreCertificateStore, StoreTokenStore, tenantSecret } from "./teams-stores.js";
import type {
  ServiceAccountSignInStart,
  ServiceAccountView,
  TeamsAdapterFactory,
  TeamsConnectorConfig,
  TeamsSettingsView,
  WebhookBaseUrlSource,
} from "./types.js";

export { StoreCertificateStore, StoreTokenStore } from "./teams-stores.js";

const clientSecretName = (tenant: string) => tenantSecret(tenant, "teams/clientSecret");

/** Microsoft 365 settings before the first save (connectors/teams/settings.ts). */
export const DEFAULT_TEAMS_SETTINGS: Omit<StoredTeamsSettings, "updatedAt"> = TEAMS_DEFAULTS;

/** What the Teams connector's adapter offers beyond TeamsAdapter for the sign-in (duck-typed). */
interface SignInCapable {
  serviceAccountSignIn(
    redirectUri: string,
    loginHint?: string,
  ): { url: string; state: string; codeVerifier: string };
  completeSignIn(o: {
    callbackUrl: string;
    redirectUri: string;
    expectedState: string;
    codeVerifier: string;
  }): Promise<ServiceAccountToken>;
}

function canSignIn(a: TeamsAdapter | undefined): a is TeamsAdapter & SignInCapable {
  const x = a as Partial<SignInCapable> | undefined;
  return typeof x?.serviceAccountSignIn === "function" && typeof x?.completeSignIn === "function";
}

function status(state: ConnectorStatus["state"], reason: string): ConnectorStatus {
  return { state, reason, since: new Date().toISOString() };
}

export interface TeamsDeps {
  /** The tenant whose Microsoft 365 side this is (settings, secrets and accounts are its own). */
  tenant: string;
  store: HubStore;
  core: SyncCore;
  events: TenantEvents;
  metrics: HubMetrics;
  log: Logger;
  factory: TeamsAdapterFactory;
  endpoints: () => EndpointDirectory;
  /** The configured public base URL (webhook base unless the settings name one). */
  publicBaseUrl?: string;
}

export class TeamsManager {
  private adapter: TeamsAdapter | undefined;
  /** Tenant, app and Graph the running adapter writes sessions with (its sessionId is the client id). */
  private adapterApp = "";
  private unsubscribe: (() => void)[] = [];
  private idle: ConnectorStatus = status("offline", "Not configured");
  private readonly tokens: StoreTokenStore;
  private readonly clientSecretName: string;
  private readonly certificates: StoreCertificateStore;
  private readonly signIns = new Map<
    string,
    { codeVerifier: string; redirectUri: string; expires: number }
  >();
  private directoryTimer: NodeJS.Timeout | undefined;
  private lastState = "";
  private directoryLoadedAt = 0;
  /** The directory read in progress, if any (loadDirectory). */
  private directoryLoading: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly d: TeamsDeps) {
    this.tokens = new StoreTokenStore(d.store, d.tenant);
    this.certificates = new StoreCertificateStore(d.store, d.tenant);
    this.clientSecretName = clientSecretName(d.tenant);
  }

  /** Resolves once the adapter is attached to the core (or the side is idle: not configured, disabled). */
  start(): Promise<void> {
    return this.restart();
  }

  currentAdapter(): TeamsAdapter | undefined {
    return this.adapter;
  }

  status(): ConnectorStatus {
    return this.adapter ? this.adapter.status() : this.idle;
  }

  get(): TeamsSettingsView {
    const s = this.d.store.getTeamsSettings(this.d.tenant);
    const base = { ...DEFAULT_TEAMS_SETTINGS, ...(s ?? {}) };
    const secretSet = this.d.store.getSecret(this.clientSecretName) !== undefined;
    const webhook = this.webhookBase(base);
    return {
      configured: !!(base.tenantId && base.clientId && secretSet),
      enabled: base.enabled,
      tenantId: base.tenantId,
      clientId: base.clientId,
      clientSecretSet: secretSet,
      authorityUrl: base.authorityUrl,
      graphUrl: base.graphUrl,
      ...(base.caPem ? { caPem: base.caPem } : {}),
      ...(base.webhookBaseUrl ? { webhookBaseUrl: base.webhookBaseUrl } : {}),
      effectiveWebhookBaseUrl: webhook.url ?? null,
      webhookBaseUrlSource: webhook.source,
      pollIntervalSeconds: base.pollIntervalSeconds,
      sessionExpirationSeconds: base.sessionExpirationSeconds,
      serviceAccounts: this.d.store.listServiceAccounts(this.d.tenant).map(
        (a): ServiceAccountView => ({
          id: a.id,
          upn: a.upn,
          status: a.status,
          ...(a.reason ? { reason: a.reason } : {}),
          addedAt: a.addedAt,
        }),
      ),
      status: this.status(),
      updatedAt: s?.updatedAt ?? null,
    };
  }

  async save(input: TeamsSettingsInput): Promise<TeamsSettingsView> {
    validateInput(TeamsSettingsInput, input);
    const old = { ...DEFAULT_TEAMS_SETTINGS, ...(this.d.store.getTeamsSettings(this.d.tenant) ?? {}) };
    const next: StoredTeamsSettings = { ...this.merge(old, input), updatedAt: new Date().toISOString() };
    this.checkSecretTarget(input, next);
    // Service accounts' refresh tokens are secrets of the old tenant/authority too: they are not sent to
    // another one — those accounts sign in again.
    const retargeted = this.retargeted(next);
    await this.d.store.write((w) => {
      w.putTeamsSettings(this.d.tenant, next);
      if (input.clientSecret !== undefined) w.setSecret(this.clientSecretName, input.clientSecret);
    });
    if (retargeted) {
      for (const a of this.d.store.listServiceAccounts(this.d.tenant)) await this.tokens.remove(a.id);
    }
    this.d.events.add({ level: "info", kind: "teams.settings", message: "Microsoft 365 settings saved" });
    await this.restart();
    const v = this.get();
    this.d.events.publish({ type: "teams", tenant: this.d.tenant, status: v.status });
    return v;
  }

  async test(input: TeamsSettingsInput = {}): Promise<ConnectionTestResult> {
    validateInput(TeamsSettingsInput, input);
    const old = { ...DEFAULT_TEAMS_SETTINGS, ...(this.d.store.getTeamsSettings(this.d.tenant) ?? {}) };
    const merged = this.merge(old, input);
    this.checkSecretTarget(input, merged);
    const secret = input.clientSecret ?? this.d.store.getSecret(this.clientSecretName) ?? "";
    // Stored service-account tokens only go where they were saved for, like the client secret.
    const tokenStore = this.retargeted(merged) ? undefined : this.tokens;
    return runConnectionTest(() => this.d.factory.test(this.config(merged, secret), { tokenStore }));
  }

  /** Re-read the directory and re-match endpoints. */
  async refresh(): Promise<TeamsSettingsView> {
    await this.loadDirectory(true);
    return this.get();
  }

  async beginSignIn(input: { redirectUri: string }): Promise<ServiceAccountSignInStart> {
    const a = this.adapter;
    if (!canSignIn(a))
      throw new HubError(
        "CONFIG_INVALID",
        "Save working Microsoft 365 settings before signing in a service account",
      );
    const start = a.serviceAccountSignIn(input.redirectUri);
    const now = Date.now();
    for (const [k, v] of this.signIns) if (v.expires < now) this.signIns.delete(k);
    this.signIns.set(start.state, {
      codeVerifier: start.codeVerifier,
      redirectUri: input.redirectUri,
      expires: now + 15 * 60_000,
    });
    return { url: start.url, state: start.state };
  }

  hasPendingSignIn(state: string): boolean {
    const p = this.signIns.get(state);
    return !!p && p.expires >= Date.now();
  }

  async completeSignIn(input: { state: string; code: string }): Promise<ServiceAccountView> {
    const pending = this.signIns.get(input.state);
    if (!pending || pending.expires < Date.now()) {
      throw new HubError("VALIDATION", "state: unknown or expired sign-in; start the sign-in again");
    }
    this.signIns.delete(input.state);
    const a = this.adapter;
    if (!canSignIn(a)) throw new HubError("CONFIG_INVALID", "Microsoft 365 is not configured");
    const q = new URLSearchParams({ code: input.code, state: input.state });
    const token = await a.completeSignIn({
      callbackUrl: `${pending.redirectUri}?${q.toString()}`,
      redirectUri: pending.redirectUri,
      expectedState: input.state,
      codeVerifier: pending.codeVerifier,
    });
    // The adapter saved the token through our TokenStore; make sure the account row exists either way.
    await this.tokens.save(token);
    this.d.events.add({
      level: "info",
      kind: "teams.settings",
      message: `Service account ${token.username} signed in`,
    });
    const view = this.get().serviceAccounts.find((s) => s.id === token.accountId);
    return (
      view ?? {
        id: token.accountId,
        upn: token.username,
        status: "active",
        addedAt: new Date().toISOString(),
      }
    );
  }

  async removeServiceAccount(id: string): Promise<void> {
    if (!this.d.store.listServiceAccounts(this.d.tenant).some((a) => a.id === id)) {
      throw new HubError("NOT_FOUND", `service account ${id} not found`);
    }
    await this.tokens.remove(id);
    this.d.events.add({ level: "info", kind: "teams.settings", message: "Service account removed" });
    await this.restart();
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.directoryTimer) clearTimeout(this.directoryTimer);
    await this.detach();
  }

  // ------------------------------------------------------------ internals

  /** Whether `next` points elsewhere than the saved settings (tenant, app, authority, Graph URL). */
  private retargeted(next: object): boolean {
    const saved = this.d.store.getTeamsSettings(this.d.tenant);
    return !!saved && changedTargetFields(teamsModule.secretTargetFields, saved, next).length > 0;
  }

  /** The stored client secret is only used with the tenant, app, authority and Graph URL it was saved for. */
  private checkSecretTarget(input: TeamsSettingsInput, next: object): void {
    requireSecretForNewTarget({
      path: "clientSecret",
      fields: teamsModule.secretTargetFields,
      saved: this.d.store.getTeamsSettings(this.d.tenant),
      next,
      typed: input.clientSecret !== undefined,
      stored: this.d.store.getSecret(this.clientSecretName) !== undefined,
    });
  }

  private merge(
    old: Omit<StoredTeamsSettings, "updatedAt">,
    input: TeamsSettingsInput,
  ): Omit<StoredTeamsSettings, "updatedAt"> {
    const next: Omit<StoredTeamsSettings, "updatedAt"> = {
      enabled: input.enabled ?? old.enabled,
      tenantId: input.tenantId ?? old.tenantId,
      clientId: input.clientId ?? old.clientId,
      authorityUrl: input.authorityUrl ?? old.authorityUrl,
      graphUrl: input.graphUrl ?? old.graphUrl,
      pollIntervalSeconds: input.pollIntervalSeconds ?? old.pollIntervalSeconds,
      sessionExpirationSeconds: input.sessionExpirationSeconds ?? old.sessionExpirationSeconds,
    };
    const ca = input.caPem === undefined ? old.caPem : input.caPem || undefined;
    const hook = input.webhookBaseUrl === undefined ? old.webhookBaseUrl : input.webhookBaseUrl || undefined;
    if (ca) next.caPem = ca;
    if (hook) next.webhookBaseUrl = hook;
    return next;
  }

  /**
   * The webhook base URL the adapter gets. Precedence: the Microsoft 365 setting (an admin's explicit
   * choice, e.g. a different ingress for Graph) > the hub's configured public URL > none, then the adapter
   * polls. The hub's default URL (http://host:port) is never used: nobody said Graph can reach it.
   */
  private webhookBase(s: Pick<StoredTeamsSettings, "webhookBaseUrl">): {
    url?: string;
    source: WebhookBaseUrlSource;
  } {
    if (s.webhookBaseUrl) return { url: s.webhookBaseUrl, source: "settings" };
    const pub = this.d.publicBaseUrl?.replace(/\/+$/, "");
    return pub ? { url: pub, source: "publicUrl" } : { source: "none" };
  }

  private config(s: Omit<StoredTeamsSettings, "updatedAt">, clientSecret: string): TeamsConnectorConfig {
    const webhook = this.webhookBase(s).url;
    return {
      tenantId: s.tenantId,
      clientId: s.clientId,
      clientSecret,
      authorityUrl: s.authorityUrl,
      graphUrl: s.graphUrl,
      ...(s.caPem ? { caPem: s.caPem } : {}),
      ...(webhook ? { webhookBaseUrl: webhook } : {}),
      pollIntervalSeconds: s.pollIntervalSeconds,
      sessionExpirationSeconds: s.sessionExpirationSeconds,
    };
  }

  /**
   * Stop the running adapter. `replacing`: a new adapter for the same app follows at once, so the core keeps
   * its Teams facts meanwhile — without Teams the core makes the PBX side neutral, and a settings save during
   * a call would clear and re-set every diverted user's presence.
   */
  private async detach(replacing = false): Promise<void> {
    const a = this.adapter;
    if (!a) return;
    this.adapter = undefined;
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    if (!replacing) this.d.core.setTeams(null);
    try {
      await withTimeout(a.stop(), 5000);
    } catch (e) {
      this.d.log.warn({ err: errorMessage(e) }, "Teams adapter stop failed");
    }
  }

  private async restart(): Promise<void> {
    const s = this.d.store.getTeamsSettings(this.d.tenant);
    const secret = this.d.store.getSecret(this.clientSecretName);
    const app = s ? appIdentity(s) : "";
    if (this.adapter && (!(s?.enabled && s.tenantId && s.clientId && secret) || app !== this.adapterApp)) {
      // Switching Microsoft 365 off, or to another app registration/tenant (whose sessionId cannot clear the
      // old app's sessions): clear the hub's Graph sessions while the adapter can still write.
      const left = await this.d.core.releaseTeams(5000);
      this.d.events.add({
        level: left ? "warn" : "info",
        kind: "undo",
        message: left
          ? `${left} Teams session(s) could not be cleared; they expire on their own`
          : "Cleared the hub's Teams sessions",
      });
    }
    const runnable = !!(s?.enabled && s.tenantId && s.clientId && secret);
    await this.detach(runnable && app === this.adapterApp && !this.closed);
    if (this.closed) return;
    if (!s?.tenantId || !s.clientId || !secret) {
      this.setIdle(status("offline", "Not configured"));
      return;
    }
    if (!s.enabled) {
      this.setIdle(status("offline", "Disabled"));
      return;
    }
    let adapter: TeamsAdapter;
    try {
      adapter = this.d.factory.create(this.config(s, secret), {
        tokenStore: this.tokens,
        certificateStore: this.certificates,
      });
    } catch (e) {
      this.d.core.setTeams(null);
      this.setIdle(status("error", errorMessage(e)));
      return;
    }
    this.adapter = adapter;
    this.adapterApp = app;
    this.unsubscribe.push(
      adapter.on("status", (st) => this.onStatus(st)),
      adapter.on("synchronized", () => {
        // Resyncs can be frequent; the directory is re-read at most hourly (and on Refresh).
        if (!this.directoryTimer && Date.now() - this.directoryLoadedAt > 3_600_000)
          void this.loadDirectory(false);
      }),
    );
    this.d.core.setTeams(adapter);
    this.onStatus(adapter.status());
    adapter.start();
    void this.loadDirectory(false);
  }

  private setIdle(st: ConnectorStatus): void {
    this.idle = st;
    this.onStatus(st);
  }

  private onStatus(st: ConnectorStatus): void {
    this.d.metrics.setTeamsState(this.d.tenant, st.state);
    const key = `${st.state}|${st.reason}`;
    if (key === this.lastState) return;
    this.lastState = key;
    this.d.events.add({
      level: statusEventLevel(st.state),
      kind: "teams.status",
      message: `Microsoft 365: ${st.state}${st.reason ? ` — ${st.reason}` : ""}`,
    });
    this.d.events.publish({ type: "teams", tenant: this.d.tenant, status: st });
  }

  /**
   * One directory read at a time: at 100,000 users a read takes seconds, and every `synchronized` of the
   * adapter meanwhile started another one (each holding the whole directory: gigabytes, minutes of CPU).
   * A non-strict request joins the read in progress; refresh() (strict) waits for it, then reads afresh.
   */
  private async loadDirectory(strict: boolean): Promise<void> {
    if (this.directoryLoading && !strict) return this.directoryLoading.catch(() => undefined);
    while (this.directoryLoading) await this.directoryLoading.catch(() => undefined);
    const load = this.readDirectory(strict);
    this.directoryLoading = load;
    try {
      await load;
    } finally {
      if (this.directoryLoading === load) this.directoryLoading = undefined;
    }
  }

  /** Directory read with retry (the adapter may still be connecting); `strict` rethrows for refresh(). */
  private async readDirectory(strict: boolean): Promise<void> {
    const a = this.adapter;
    if (!a) {
      if (strict) throw new HubError("CONFIG_INVALID", "Microsoft 365 is not configured");
      return;
    }
    if (this.directoryTimer) clearTimeout(this.directoryTimer);
    this.directoryTimer = undefined;
    try {
      const users = await a.listUsers();
      if (this.adapter !== a) return;
      const r = this.d.endpoints().setDirectory(users);
      this.directoryLoadedAt = Date.now();
      this.d.log.info({ users: users.length, ...r }, "Teams directory loaded");
    } catch (e) {
      this.d.log.warn({ err: errorMessage(e) }, "Teams directory read failed; retrying");
      if (this.adapter === a && !this.closed) {
        this.directoryTimer = setTimeout(() => {
          this.directoryTimer = undefined;
          void this.loadDirectory(false);
        }, 10_000);
        this.directoryTimer.unref?.();
      }
      if (strict) throw e;
    }
  }
}

function appIdentity(s: Pick<StoredTeamsSettings, "tenantId" | "clientId" | "graphUrl">): string {
  return JSON.stringify([s.tenantId, s.clientId, s.graphUrl]);
}
