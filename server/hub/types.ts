// The Hub facade: everything the admin API, the web UI and the CLI may ask of the running hub, and the
// record/view types they exchange. Views never carry secrets: passwords, client secrets and tokens are
// write-only inputs and show up only as `…Set: boolean` flags.
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type {
  CfbEntry,
  ConnectionTestResult,
  ConnectorStatus,
  PbxAdapter,
  TeamsAdapter,
  TeamsUser,
} from "../../engine/ports/adapters.js";
import type { TeamsConnectorConfig, TeamsSettingsInput } from "../../connectors/teams/settings.js";
import type { CertificateStore } from "../../connectors/teams/certificates.js";
import type { TokenStore } from "../../connectors/teams/tokens.js";
import type { TeamsWebhookHandler } from "../../connectors/teams/webhook.js";
import type { ConnectionTestOptions, PbxModuleContext } from "../../engine/ports/connector-module.js";
import type { PbxCallState, TeamsPresence, TeamsPresencePair } from "../../engine/presence.js";
import type { RuleSetSource } from "../../engine/rules/types.js";
import type {
  ConnectorCreateInput,
  ConnectorTestInput,
  ConnectorUpdateInput,
  PbxConnectorConfig,
  PbxConnectorConfigView,
} from "./pbx-modules.js";
import type { EndpointBulkEnableInput, EndpointUpdateInput, UserCreateInput, UserUpdateInput } from "./schemas.js";
import type { EventListQuery, HubEvent } from "./event-types.js";

// ---------------------------------------------------------------- tenants

/** A tenant (customer) with what the Tenants page shows of it. */
export interface TenantView {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  /** Its Microsoft 365 connection. */
  teams: { configured: boolean; state: ConnectorStatus["state"]; reason: string };
  counts: { connectors: number; connectorsOnline: number; endpoints: number; matchedEndpoints: number };
}

// ---------------------------------------------------------------- PBX connectors

// A connector's `config` is the hub's own fields (defaultDestination) plus its vendor module's settings
// (connectors/<kind>/module.ts); the types follow from the installed modules (pbx-modules.ts).
export type {
  ConnectorCreateInput,
  ConnectorTestInput,
  ConnectorUpdateInput,
  PbxConnectorConfig,
  PbxConnectorConfigInput,
  PbxConnectorConfigView,
  PbxStoredConfig,
} from "./pbx-modules.js";

export interface ConnectorRecord {
  id: string;
  /** The tenant (customer) the connector belongs to; fixed at creation. */
  tenant: string;
  /** Connector type = rule set id, e.g. "innovaphone-dnd". */
  type: string;
  name: string;
  description: string;
  enabled: boolean;
  config: PbxConnectorConfigView;
  createdAt: string;
  updatedAt: string;
}

export interface ConnectorCounts {
  /** PBX users replicated from this connector (0 while offline and never connected). */
  users: number;
  endpoints: number;
  enabledEndpoints: number;
  /** Endpoints with a Teams user matched. */
  matchedEndpoints: number;
}

export interface ConnectorView extends ConnectorRecord {
  /** Live status for the Status column; "offline" with a reason when disabled or not configured. */
  status: ConnectorStatus;
  counts: ConnectorCounts;
  /** Active rule set of the type, or null when the type is unknown / has no valid rules loaded. */
  ruleSet: { id: string; title: string; revision: number } | null;
}

// ---------------------------------------------------------------- Microsoft 365 (Teams)

export type ServiceAccountState = "active" | "needs_sign_in" | "error";

export interface ServiceAccountView {
  id: string;
  upn: string;
  status: ServiceAccountState;
  reason?: string;
  addedAt: string;
}

export interface TeamsSettingsView {
  /** False until tenant, client id and client secret have been saved. */
  configured: boolean;
  enabled: boolean;
  tenantId: string;
  clientId: string;
  clientSecretSet: boolean;
  /** e.g. "https://login.microsoftonline.com" (national clouds, the Graph simulator). */
  authorityUrl: string;
  /** e.g. "https://graph.microsoft.com". */
  graphUrl: string;
  /** PEM of a CA to trust for authority/Graph (the simulator's generated CA). */
  caPem?: string;
  /** Public base URL Graph posts change notifications to, as set here (overrides the hub's public URL). */
  webhookBaseUrl?: string;
  /**
   * The webhook base URL the connector uses: `webhookBaseUrl` when set, else the hub's configured public
   * URL (PRESENCE_HUB_PUBLIC_URL); null = no webhook, the connector polls.
   */
  effectiveWebhookBaseUrl: string | null;
  /** Where effectiveWebhookBaseUrl comes from. */
  webhookBaseUrlSource: WebhookBaseUrlSource;
  /** Poll interval when no webhook/service account is usable. */
  pollIntervalSeconds: number;
  /** Lifetime of the hub's Graph presence session (ISO seconds; PT5M..PT4H), refreshed while needed. */
  sessionExpirationSeconds: number;
  serviceAccounts: ServiceAccountView[];
  status: ConnectorStatus;
  updatedAt: string | null;
}

export type {
  TeamsConnectorConfig,
  TeamsSettings,
  TeamsSettingsInput,
} from "../../connectors/teams/settings.js";

/** "settings": the Microsoft 365 setting; "publicUrl": the hub's PRESENCE_HUB_PUBLIC_URL; "none": polling. */
export type WebhookBaseUrlSource = "settings" | "publicUrl" | "none";

export interface ServiceAccountSignInStart {
  /** Where to send the admin's browser (authorization-code flow with PKCE). */
  url: string;
  /** Opaque state the redirect carries back. */
  state: string;
}

// ---------------------------------------------------------------- endpoints

export type EndpointMatch = "auto" | "manual";

export type EndpointWarningCode =
  | "CFPR_OFF"
  | "NO_CFB_DESTINATION"
  | "CFB_FALLBACK_UNAVAILABLE"
  | "NO_TEAMS_USER"
  | "TEAMS_USER_MISSING"
  | "PBX_USER_MISSING"
  | "RULES_MISSING"
  | "WRITE_FAILED"
  | "AMBIGUOUS_MATCH";

export interface EndpointWarning {
  code: EndpointWarningCode;
  /** For humans, e.g. "Call forward based on Presence is off". */
  message: string;
}

export interface DecisionInfo {
  rule: string;
  /** Human explanation, e.g. "Teams Busy/InACall → dnd (rule teams-call)". */
  reason: string;
  at: string;
  ruleSetRevision: number;
}

export interface PbxDesired {
  activity: string;
  note: string;
  /** "ensure" while the desired state diverts calls (the plan is in `EndpointView.cfb`). */
  cfb: "ensure" | "leave";
}

/** Where this user's calls go while the hub diverts them (the rule set's CFB plan for this user). */
export interface EndpointCfbView {
  /** Null when no step of the fallback chain exists (see `gap` and the warnings). */
  destination: string | null;
  /** The fallback step that supplied it: the user's own busy destination or the connector's default. */
  source: "userCfb" | "connectorDefault" | null;
  /** The hub adds an entry for the diversion (it "takes precedence" when the rule set prefers the default). */
  hubAdds: boolean;
  precedence: boolean;
  /** The entry the hub added is removed afterwards (rule set `cfb.restore`). */
  restore: boolean;
  gap: "NO_CFB_DESTINATION" | "CFB_FALLBACK_UNAVAILABLE" | null;
  /** For humans, e.g. "calls to 200 (connector's default destination, added by the hub)". */
  text: string;
}

/** What the hub wants (desired) and what the side confirmed (acknowledged) for one side of one endpoint. */
export interface SideSyncView<D, A> {
  desired: D | null;
  acknowledged: A | null;
  /** True while desired ≠ acknowledged (a write is queued, running or waiting for a retry). */
  pending: boolean;
  lastError: string | null;
  lastWriteAt: string | null;
}

export interface EndpointView {
  id: string;
  /** The tenant (its connector's). */
  tenant: string;
  connectorId: string;
  teamsUserId: string | null;
  pbxGuid: string;
  displayName: string;
  email: string;
  /** PBX h323 name / extension number for display. */
  h323: string;
  e164: string;
  enabled: boolean;
  match: EndpointMatch;
  teams: {
    /** Last observed Teams presence that was not the hub's own echo (the fact the rules see). */
    presence: TeamsPresence | null;
    /** Last observed aggregate, including the hub's echo. */
    observed: TeamsPresence | null;
    at: string | null;
  };
  pbx: {
    callState: PbxCallState;
    /** Activity the user set (newest presence item outside the hub's slot). */
    activity: string;
    /** Effective "Call forward based on Presence"; null = unknown (no admin access). */
    cfpr: boolean | null;
    /** Whether the user has a CFB entry of their own (not the hub's). */
    ownCfb: boolean;
    at: string | null;
  };
  hub: {
    pbx: SideSyncView<PbxDesired, { activity: string; note: string }> & {
      /** The CFB entry the hub added (and will remove), if any. */
      cfbEntry: CfbEntry | null;
    };
    teams: SideSyncView<{ presence: TeamsPresencePair | null }, { presence: TeamsPresencePair | null }>;
  };
  lastDecision: { teamsToPbx: DecisionInfo | null; pbxToTeams: DecisionInfo | null };
  /**
   * The CFB plan for a diverted call of this user (now, or the next time the rules divert); null when the
   * connector type never diverts or no rule set is loaded.
   */
  cfb: EndpointCfbView | null;
  warnings: EndpointWarning[];
  updatedAt: string;
}

export interface EndpointListQuery {
  /** Only this tenant's endpoints. */
  tenant?: string;
  /** Case-insensitive substring of name, e-mail, h323 or e164. */
  search?: string;
  connectorId?: string;
  enabled?: boolean;
  /** true = only endpoints with a Teams user, false = only unmatched. */
  matched?: boolean;
  offset?: number;
  /** Default 50, max 500. */
  limit?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

export type { EndpointBulkEnableInput, EndpointUpdateInput, ServiceAccountCompleteInput } from "./schemas.js";

export interface RematchResult {
  matched: number;
  unmatched: number;
  changed: number;
}

// ---------------------------------------------------------------- events

export type { EventListQuery, HubEvent, HubEventKind, HubEventLevel } from "./event-types.js";

/** What `events.subscribe` delivers (the SSE stream). Endpoint updates are coalesced per endpoint. */
export type HubStreamMessage =
  | { type: "event"; event: HubEvent }
  | { type: "endpoint"; endpoint: EndpointView }
  | { type: "connector"; connector: ConnectorView }
  | { type: "teams"; tenant: string; status: ConnectorStatus };

// ---------------------------------------------------------------- health

export interface HubHealth {
  ok: boolean;
  state: "running" | "stopping" | "stopped";
  startedAt: string;
  version: string;
  store: { ok: boolean };
  connectors: { id: string; name: string; enabled: boolean; state: ConnectorStatus["state"] }[];
  /** The default tenant's Microsoft 365 connection. */
  teams: { configured: boolean; state: ConnectorStatus["state"] };
  tenants: { id: string; teams: { configured: boolean; state: ConnectorStatus["state"] } }[];
  sync: { endpoints: number; enabled: number; pending: number; failing: number };
}

// ---------------------------------------------------------------- facade

export interface CloseOptions {
  /** Undo what the hub set (PBX slot, CFB entries, Teams session) before disconnecting. Default true. */
  undo?: boolean;
  /** Bound for the undo phase, default 5000 ms. */
  timeoutMs?: number;
}

// ---------------------------------------------------------------- admin accounts

export type AdminRole = "admin" | "tenant-admin";

/** An admin account as the API shows it (never the password hash). */
export interface UserView {
  id: string;
  username: string;
  /** admin: everything; tenant-admin: only `tenant` (its connectors, Microsoft 365, endpoints, events). */
  role: AdminRole;
  tenant: string | null;
  disabled: boolean;
  /** The configured admin (PRESENCE_HUB_ADMIN_PASSWORD / first-run password): not stored, not deletable. */
  builtIn: boolean;
  createdAt: string | null;
  updatedAt: string | null;
}

/** Stored admin accounts (hashed passwords in the store); the configured admin lives in the auth layer. */
export interface HubUsers {
  list(): UserView[];
  /** Throws NOT_FOUND. */
  get(id: string): UserView;
  /** Throws VALIDATION (bad input, weak password, tenant missing), CONFLICT (username taken), NOT_FOUND (tenant). */
  create(input: UserCreateInput): Promise<UserView>;
  update(id: string, input: UserUpdateInput): Promise<UserView>;
  remove(id: string): Promise<void>;
  /** The account for these credentials, or undefined (unknown, wrong password or disabled). */
  authenticate(username: string, password: string): Promise<UserView | undefined>;
  /** Change the own password; throws UNAUTHORIZED when `current` is wrong. */
  changePassword(id: string, current: string, next: string): Promise<void>;
}

/** One tenant's Microsoft 365 connection (the default tenant's is `hub.teams`, the route `/api/teams`). */
export interface HubTeams {
  get(): TeamsSettingsView;
  save(input: TeamsSettingsInput): Promise<TeamsSettingsView>;
  /** Tests saved settings, or unsaved ones merged onto the saved (incl. client secret). */
  test(input?: TeamsSettingsInput): Promise<ConnectionTestResult>;
  /** Directory users (cached from the last listUsers) for manual mapping. */
  users(query?: { search?: string; offset?: number; limit?: number }): Page<TeamsUser>;
  /** Re-reads the directory and re-matches endpoints. */
  refresh(): Promise<TeamsSettingsView>;
  /** Service-account sign-in; undefined when the Teams connector does not support it. */
  beginServiceAccountSignIn?(input: { redirectUri: string }): Promise<ServiceAccountSignInStart>;
  completeServiceAccountSignIn?(input: { state: string; code: string }): Promise<ServiceAccountView>;
  removeServiceAccount(id: string): Promise<void>;
  /** Whether this tenant issued the sign-in `state` (the one callback URL serves every tenant). */
  hasPendingSignIn?(state: string): boolean;
  /** The running Teams adapter, if any. */
  adapter(): TeamsAdapter | undefined;
}

export interface Hub {
  /** Stored admin accounts (roles admin / tenant-admin). */
  users: HubUsers;
  tenants: {
    list(): TenantView[];
    /** Throws HubError NOT_FOUND. */
    get(id: string): TenantView;
    create(input: { id?: string; name: string }): Promise<TenantView>;
    update(id: string, input: { name?: string }): Promise<TenantView>;
    /** Undoes what the hub set for the tenant (its connectors, Teams sessions), then deletes it and its data. */
    remove(id: string): Promise<void>;
  };
  connectors: {
    /** Every connector, or one tenant's. */
    list(query?: { tenant?: string }): ConnectorView[];
    /** Throws HubError NOT_FOUND. */
    get(id: string): ConnectorView;
    /** Throws HubError VALIDATION (bad input, unknown type), NOT_FOUND (unknown tenant). */
    create(input: ConnectorCreateInput): Promise<ConnectorView>;
    update(id: string, input: ConnectorUpdateInput): Promise<ConnectorView>;
    /** Undoes what the hub set through this connector (bounded), stops it, deletes it and its endpoints. */
    remove(id: string): Promise<void>;
    /** Disabling undoes what the hub set (bounded) before disconnecting. */
    setEnabled(id: string, enabled: boolean): Promise<ConnectorView>;
    /** Runs the adapter's connection test with unsaved settings merged onto the saved ones (incl. password). */
    test(input: ConnectorTestInput): Promise<ConnectionTestResult>;
    /** Reconnects the adapter (Refresh button) and returns the view. */
    refresh(id: string): Promise<ConnectorView>;
  };
  /** The default tenant's Microsoft 365 connection. */
  teams: HubTeams;
  /** One tenant's Microsoft 365 connection; throws NOT_FOUND for an unknown tenant. */
  teamsOf(tenant: string): HubTeams;
  /** Where the Graph webhook hands notifications: the running Teams adapters of every tenant. */
  webhookHandlers(): TeamsWebhookHandler[];
  endpoints: {
    list(query?: EndpointListQuery): Page<EndpointView>;
    get(id: string): EndpointView;
    update(id: string, input: EndpointUpdateInput): Promise<EndpointView>;
    bulkEnable(input: EndpointBulkEnableInput): Promise<{ updated: number }>;
    rematch(connectorId?: string): Promise<RematchResult>;
  };
  events: {
    list(query?: EventListQuery): Promise<HubEvent[]>;
    /** Live stream for SSE; returns the unsubscribe function. */
    subscribe(listener: (message: HubStreamMessage) => void): () => void;
  };
  /** prom-client registry with the hub's metrics (the HTTP layer serves it at /metrics). */
  readonly metrics: Registry;
  /** The hub's health; with `tenant`, the details (connectors, tenants, sync counts) are that tenant's only. */
  health(query?: { tenant?: string }): HubHealth;
  /** Graceful stop: undo (bounded), disconnect adapters, close the store. Idempotent. */
  close(options?: CloseOptions): Promise<void>;
}

// ---------------------------------------------------------------- wiring (openHub)

/**
 * Replaces the create/test of a PBX connector module (by kind) — tests and benchmarks wrap the real adapter
 * with other timings or instrumentation. The module's schema, defaults and form stay in force.
 */
export interface PbxAdapterFactory {
  create(config: PbxConnectorConfig, context: PbxModuleContext): PbxAdapter;
  test(config: PbxConnectorConfig, options?: ConnectionTestOptions): Promise<ConnectionTestResult>;
}

/** The Teams adapter factory (default: the Microsoft 365 module, connectors/teams/module.ts). */
export interface TeamsAdapterFactory {
  /** The adapter may also implement the Teams connector's sign-in methods (serviceAccountSignIn/completeSignIn). */
  create(config: TeamsConnectorConfig, deps: TeamsAdapterDeps): TeamsAdapter;
  test(config: TeamsConnectorConfig, deps?: Partial<TeamsAdapterDeps>): Promise<ConnectionTestResult>;
}

/** What the hub lends the Teams adapter: encrypted storage for its refresh tokens and certificates. */
export interface TeamsAdapterDeps {
  tokenStore: TokenStore;
  certificateStore?: CertificateStore;
}

export interface OpenHubOptions {
  /** Directory of hub.db and secret.key (created if missing). */
  dataDir: string;
  /** The configured admin's user name (no stored account may take it). */
  adminUser?: string;
  /**
   * The hub's public base URL when the operator configured one (PRESENCE_HUB_PUBLIC_URL, --public-url): the
   * Teams webhook base unless the Microsoft 365 settings name another.
   */
  publicBaseUrl?: string;
  /** The rule registry (hot-reloading rule sets). */
  registry: RuleSetSource;
  /** By module kind (rule set `adapter` field), e.g. { innovaphone: … }: replaces that module's create/test. */
  adapterFactories?: Record<string, PbxAdapterFactory>;
  /** Defaults to the Microsoft 365 module. */
  teamsFactory?: TeamsAdapterFactory;
  logger?: Logger;
  /** Base64 32-byte key; default env PRESENCE_HUB_SECRET_KEY, else <dataDir>/secret.key. */
  secretKey?: string;
  /** Bounded event log size (rows), default 50_000. */
  eventLogLimit?: number;
  /** Max concurrent writes per side, default 8. */
  concurrency?: number;
  /** Sync core tuning (tests): retry backoff and the Teams echo grace window. */
  sync?: { retryBaseMs?: number; retryMaxMs?: number; echoGraceMs?: number; staleAfterMs?: number };
  /** Bound of the undo phase when a connector is disabled or deleted, default 5000 ms. */
  undoTimeoutMs?: number;
}
