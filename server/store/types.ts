// The store interface (docs/sync.md §5): everything the hub persists, behind a small synchronous API so
// a shared database can replace the embedded SQLite one. Secrets go in and out only through
// getSecret/setSecret and are encrypted at rest by the implementation.
import type { HubSetState } from "../../engine/sync/types.js";
import type {
  ConnectorRecord,
  EndpointMatch,
  HubEvent,
  HubEventKind,
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

export type NewEvent = {
  level: HubEventLevel;
  kind: HubEventKind;
  /** The tenant the event belongs to; absent = the whole hub (start, stop, rule reloads). */
  tenant?: string;
  connectorId?: string;
  endpointId?: string;
  message: string;
  details?: Record<string, unknown>;
  at?: string;
};

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

export interface HubStore {
  /** Runs fn in one transaction: all of it is stored or none (nested calls join the outer one). */
  transaction<T>(fn: () => T): T;

  listTenants(): StoredTenant[];
  getTenant(id: string): StoredTenant | undefined;
  putTenant(t: StoredTenant): void;
  /**
   * Deletes the tenant with its Microsoft 365 settings, service accounts, users, events and the secrets
   * under `tenant/<id>/`. Its connectors must be deleted first (the hub undoes through them).
   */
  deleteTenant(id: string): void;

  /** All connectors, or those of one tenant. */
  listConnectors(tenant?: string): StoredConnector[];
  getConnector(id: string): StoredConnector | undefined;
  putConnector(c: StoredConnector): void;
  /** Deletes the connector, its endpoints, their sync state and its secrets. */
  deleteConnector(id: string): void;

  getSecret(name: string): string | undefined;
  setSecret(name: string, value: string): void;
  deleteSecret(name: string): void;

  getTeamsSettings(tenant: string): StoredTeamsSettings | undefined;
  putTeamsSettings(tenant: string, s: StoredTeamsSettings): void;
  listServiceAccounts(tenant: string): StoredServiceAccount[];
  putServiceAccount(tenant: string, a: StoredServiceAccount): void;
  /** Deletes the account and its refresh token (`tenant/<tenant>/serviceAccount/<id>/…`). */
  deleteServiceAccount(tenant: string, id: string): void;

  listEndpoints(connectorId?: string): StoredEndpoint[];
  getEndpoint(id: string): StoredEndpoint | undefined;
  putEndpoints(endpoints: StoredEndpoint[]): void;
  deleteEndpoint(id: string): void;

  /** Hub-set state of every endpoint, or of one tenant's endpoints. */
  loadSyncStates(tenant?: string): Map<string, HubSetState>;
  saveSyncState(endpointId: string, state: HubSetState): void;
  deleteSyncState(endpointId: string): void;

  getSetting<T>(key: string): T | undefined;
  setSetting(key: string, value: unknown): void;

  /** Appends events (one transaction) and trims the log to its bound; returns them with ids. */
  appendEvents(events: NewEvent[]): HubEvent[];
  /** Newest first; `kinds` are exact kinds or families ("decision" = "decision.*"), any matches. */
  listEvents(query: EventStoreQuery): HubEvent[];

  listUsers(): StoredUser[];
  getUser(id: string): StoredUser | undefined;
  /** Case-insensitive. */
  findUser(username: string): StoredUser | undefined;
  putUser(u: StoredUser): void;
  deleteUser(id: string): void;

  schemaVersion(): number;
  close(): void;
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
