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
  connectorId?: string;
  endpointId?: string;
  message: string;
  details?: Record<string, unknown>;
  at?: string;
};

export interface HubStore {
  /** Runs fn in one transaction: all of it is stored or none (nested calls join the outer one). */
  transaction<T>(fn: () => T): T;

  listConnectors(): StoredConnector[];
  getConnector(id: string): StoredConnector | undefined;
  putConnector(c: StoredConnector): void;
  /** Deletes the connector, its endpoints, their sync state and its secrets. */
  deleteConnector(id: string): void;

  getSecret(name: string): string | undefined;
  setSecret(name: string, value: string): void;
  deleteSecret(name: string): void;

  getTeamsSettings(): StoredTeamsSettings | undefined;
  putTeamsSettings(s: StoredTeamsSettings): void;
  listServiceAccounts(): StoredServiceAccount[];
  putServiceAccount(a: StoredServiceAccount): void;
  deleteServiceAccount(id: string): void;

  listEndpoints(connectorId?: string): StoredEndpoint[];
  getEndpoint(id: string): StoredEndpoint | undefined;
  putEndpoints(endpoints: StoredEndpoint[]): void;
  deleteEndpoint(id: string): void;

  loadSyncStates(): Map<string, HubSetState>;
  saveSyncState(endpointId: string, state: HubSetState): void;
  deleteSyncState(endpointId: string): void;

  getSetting<T>(key: string): T | undefined;
  setSetting(key: string, value: unknown): void;

  /** Appends events (one transaction) and trims the log to its bound; returns them with ids. */
  appendEvents(events: NewEvent[]): HubEvent[];
  /** Newest first; `kinds` are exact kinds or families ("decision" = "decision.*"), any matches. */
  listEvents(query: EventStoreQuery): HubEvent[];

  schemaVersion(): number;
  close(): void;
}

export interface EventStoreQuery {
  endpointId?: string;
  connectorId?: string;
  /** Exact kinds ("write.pbx") or families ("decision"); any of them matches. */
  kinds?: string[];
  /** Only these levels. */
  levels?: HubEventLevel[];
  beforeId?: number;
  limit: number;
}
