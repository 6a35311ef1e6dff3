// The store interface (docs/sync.md §5): everything the hub persists, implemented by the embedded SQLite
// store and the shared PostgreSQL one. Configuration is read synchronously (small, and the shared store
// keeps it in memory, refreshed when another instance writes); every write, and the bulk data (endpoint
// mappings, hub-set state, events, sessions), is asynchronous. Secrets go in and out only through
// getSecret/setSecret and are encrypted at rest by the implementation.
import type { HubSetState } from "../../engine/sync/types.js";
import type {
  ConnectorRecord,
  EndpointMatch,
  HubEvent,
  HubEventLevel,
  PbxStoredConfig,
  ServiceAccountView,
  TeamsSettings,
} from "../hub/types.js";

/** Connector row: the record without secrets in its config (they live in the secrets table). */
export type StoredConnector = Omit<ConnectorRecord, "config"> & { config: PbxStoredConfig };

/** The Microsoft 365 settings row: the settings without the client secret (secrets table). */
export type StoredTeamsSettings = TeamsSettings & { updatedAt: string };

export type StoredServiceAccount = ServiceAccountView;

export interface StoredEndpoint {
  id: string;
  connectorId: string;
  pbxGuid: string;
  teamsUserId: string | null;
  match: EndpointMatch;
  enabled: boolean;
  displayName: string;
  email: string;
  h323: string;
  e164: string;
  createdAt: string;
  updatedAt: string;
}

/** An event to append: the stored record without its id; `at` defaults to now. */
export type NewEvent = Omit<HubEvent, "id" | "at"> & { at?: string };

/** The tenant every installation has (and every row of a single-tenant data directory migrates into). */
export const DEFAULT_TENANT = "default";

export interface StoredTenant {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export type AdminRole = "admin" | "tenant-admin";

/** An admin account: `admin` may do everything, `tenant-admin` only its tenant (`tenant`). */
export interface StoredUser {
  id: string;
  username: string;
  /** scrypt$… (server/auth/password.ts). */
  passwordHash: string;
  role: AdminRole;
  /** The tenant of a tenant-admin; null for an admin. */
  tenant: string | null;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/**
 * The writes one `HubStore.write` applies together: all of them are stored or none. The methods only
 * record (or, in the embedded store, run inside the open transaction); nothing is visible to reads until
 * the returned promise resolves.
 */
export interface StoreWriter {
  putTenant(t: StoredTenant): void;
  /**
   * Deletes the tenant with its Microsoft 365 settings, service accounts, users, events and the secrets
   * under `tenant/<id>/`. Its connectors must be deleted first (the hub undoes through them).
   */
  deleteTenant(id: string): void;
  putConnector(c: StoredConnector): void;
  /** Deletes the connector, its endpoints, their sync state and its secrets (`connector/<id>/…`). */
  deleteConnector(id: string): void;
  setSecret(name: string, value: string): void;
  deleteSecret(name: string): void;
  putTeamsSettings(tenant: string, s: StoredTeamsSettings): void;
  putServiceAccount(tenant: string, a: StoredServiceAccount): void;
  /** Deletes the account and its refresh token (`tenant/<tenant>/serviceAccount/<id>/…`). */
  deleteServiceAccount(tenant: string, id: string): void;
  putEndpoints(endpoints: StoredEndpoint[]): void;
  deleteEndpoint(id: string): void;
  setSetting(key: string, value: unknown): void;
  putUser(u: StoredUser): void;
  deleteUser(id: string): void;
}

/** The configuration every instance reads synchronously (the shared store keeps a copy in memory). */
export interface ConfigReads {
  listTenants(): StoredTenant[];
  getTenant(id: string): StoredTenant | undefined;
  /** All connectors, or those of one tenant. */
  listConnectors(tenant?: string): StoredConnector[];
  getConnector(id: string): StoredConnector | undefined;
  getSecret(name: string): string | undefined;
  getTeamsSettings(tenant: string): StoredTeamsSettings | undefined;
  listServiceAccounts(tenant: string): StoredServiceAccount[];
  getSetting<T>(key: string): T | undefined;
  listUsers(): StoredUser[];
  getUser(id: string): StoredUser | undefined;
  /** Case-insensitive. */
  findUser(username: string): StoredUser | undefined;
}

/**
 * Who may write a tenant's hub-set state: the holder of its lease (server/cluster). A save carrying a fence
 * whose token is no longer the lease's is refused (STORE_FENCED) and nothing of it is stored.
 */
export interface Fence {
  resource: string;
  owner: string;
  token: number;
}

/** An admin session as stored: looked up by the SHA-256 of its id (the cookie holds the id itself). */
export interface StoredSession {
  idHash: string;
  /** The stored account it belongs to (absent for the configured admin): ended with the account. */
  userId?: string;
  /** Who the session acts as (server/auth). */
  principal: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
}

/** The tables a write touched, as other instances learn of it (PostgreSQL LISTEN/NOTIFY). */
export type ConfigTable = "tenants" | "connectors" | "secrets" | "teams_settings" | "service_accounts" | "settings" | "users";

export interface HubStore extends ConfigReads {
  readonly kind: "sqlite" | "postgres";

  /** Applies the writes fn records in one transaction. */
  write(fn: (w: StoreWriter) => void): Promise<void>;

  /** Endpoint mappings of every connector, or of one (read when a connector starts, not kept here). */
  listEndpoints(connectorId?: string): Promise<StoredEndpoint[]>;

  /** The tenant an endpoint belongs to (several instances route its requests to that tenant's owner). */
  endpointTenant(id: string): Promise<string | undefined>;

  /** Hub-set state of every endpoint, or of one tenant's endpoints. */
  loadSyncStates(tenant?: string): Promise<Map<string, HubSetState>>;
  /**
   * Saves (state) and removes (null) hub-set states in one transaction; rows of endpoints deleted
   * meanwhile are skipped. With a fence, refused unless the fence still holds its lease.
   */
  saveSyncStates(changes: ReadonlyMap<string, HubSetState | null>, fence?: Fence): Promise<void>;

  /** Appends events (one transaction) and trims the log to its bound; returns them with ids. */
  appendEvents(events: NewEvent[]): Promise<HubEvent[]>;
  /** Newest first; `kinds` are exact kinds or families ("decision" = "decision.*"), any matches. */
  listEvents(query: EventStoreQuery): Promise<HubEvent[]>;

  getSession(idHash: string): Promise<StoredSession | undefined>;
  putSession(s: StoredSession): Promise<void>;
  /** Deletes one session, every session of a stored account but `keep`, or every expired one; returns how many. */
  deleteSessions(which: { idHash: string } | { userId: string; keep?: string } | { expiredAt: number }): Promise<number>;

  /** Writes made by other instances (shared store only): after the local copy has been refreshed. */
  onExternalChange(listener: (tables: ConfigTable[]) => void): () => void;

  schemaVersion(): number;
  close(): Promise<void>;
}

export interface EventStoreQuery {
  /** Only this tenant's events (hub-wide events have none and are left out). */
  tenant?: string;
  endpointId?: string;
  connectorId?: string;
  /** Exact kinds ("write.pbx") or families ("decision"); any of them matches. */
  kinds?: string[];
  /** Only these levels. */
  levels?: HubEventLevel[];
  beforeId?: number;
  limit: number;
}
