// The rows of the stores' tables as the drivers return them (snake_case columns) and their
// conversion into the store's records.
import type { HubEvent } from "../hub/types.js";
import type {
  NewEvent,
  StoredConnector,
  StoredEndpoint,
  StoredServiceAccount,
  StoredSession,
  StoredTenant,
  StoredUser,
} from "./types.js";

export interface ConnectorRow {
  id: string;
  tenant_id: string;
  type: string;
  name: string;
  description: string;
  enabled: number;
  config: string;
  created_at: string;
  updated_at: string;
}

export interface EndpointRow {
  id: string;
  connector_id: string;
  pbx_guid: string;
  teams_user_id: string | null;
  match: "auto" | "manual";
  enabled: number;
  display_name: string;
  email: string;
  h323: string;
  e164: string;
  created_at: string;
  updated_at: string;
}

export interface EventRow {
  id: number | string;
  at: string;
  level: HubEvent["level"];
  kind: HubEvent["kind"];
  tenant_id: string | null;
  connector_id: string | null;
  endpoint_id: string | null;
  message: string;
  details: string | null;
}

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: StoredUser["role"];
  tenant_id: string | null;
  disabled: number;
  created_at: string;
  updated_at: string;
}

export function toUser(r: UserRow): StoredUser {
  return {
    id: r.id,
    username: r.username,
    passwordHash: r.password_hash,
    role: r.role,
    tenant: r.tenant_id,
    disabled: r.disabled === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toConnector(r: ConnectorRow): StoredConnector {
  return {
    id: r.id,
    tenant: r.tenant_id,
    type: r.type,
    name: r.name,
    description: r.description,
    enabled: r.enabled === 1,
    config: JSON.parse(r.config),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toEndpoint(r: EndpointRow): StoredEndpoint {
  return {
    id: r.id,
    connectorId: r.connector_id,
    pbxGuid: r.pbx_guid,
    teamsUserId: r.teams_user_id,
    match: r.match,
    enabled: r.enabled === 1,
    displayName: r.display_name,
    email: r.email,
    h323: r.h323,
    e164: r.e164,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toEvent(r: EventRow): HubEvent {
  // PostgreSQL's BIGSERIAL comes back as a string.
  const e: HubEvent = { id: Number(r.id), at: r.at, level: r.level, kind: r.kind, message: r.message };
  if (r.tenant_id) e.tenant = r.tenant_id;
  if (r.connector_id) e.connectorId = r.connector_id;
  if (r.endpoint_id) e.endpointId = r.endpoint_id;
  if (r.details) e.details = JSON.parse(r.details);
  return e;
}

export interface TenantRow {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export function toTenant(r: TenantRow): StoredTenant {
  return { id: r.id, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at };
}

export interface ServiceAccountRow {
  id: string;
  upn: string;
  status: string;
  reason: string | null;
  added_at: string;
}

export function toServiceAccount(r: ServiceAccountRow): StoredServiceAccount {
  return {
    id: r.id,
    upn: r.upn,
    status: r.status as StoredServiceAccount["status"],
    ...(r.reason ? { reason: r.reason } : {}),
    addedAt: r.added_at,
  };
}

export interface SessionRow {
  id_hash: string;
  user_id: string | null;
  principal: string;
  created_at: number | string;
  expires_at: number | string;
}

export function toSession(r: SessionRow): StoredSession {
  return {
    idHash: r.id_hash,
    ...(r.user_id ? { userId: r.user_id } : {}),
    principal: JSON.parse(r.principal),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}

/** An event as stored, from the event to append (the id comes from the database). */
export function newEventRecord(id: number, at: string, e: NewEvent): HubEvent {
  const ev: HubEvent = { id, at, level: e.level, kind: e.kind, message: e.message };
  if (e.tenant) ev.tenant = e.tenant;
  if (e.connectorId) ev.connectorId = e.connectorId;
  if (e.endpointId) ev.endpointId = e.endpointId;
  if (e.details) ev.details = e.details;
  return ev;
}
