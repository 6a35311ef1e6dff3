// Every SQL statement of the embedded store, prepared once when the database opens.
import type Database from "better-sqlite3";

// biome-ignore lint/suspicious/noExplicitAny: prepared statements of varying shapes.
export type Statements = Record<string, Database.Statement<any[]>>;

export function prepareStatements(db: Database.Database): Statements {
  return {
    listTenants: db.prepare("SELECT * FROM tenants ORDER BY created_at, id"),
    getTenant: db.prepare("SELECT * FROM tenants WHERE id = ?"),
    putTenant: db.prepare(
      `INSERT INTO tenants (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET name=excluded.name, updated_at=excluded.updated_at`,
    ),
    deleteTenant: db.prepare("DELETE FROM tenants WHERE id = ?"),
    deleteTenantAccounts: db.prepare("DELETE FROM service_accounts WHERE tenant_id = ?"),
    deleteTenantEvents: db.prepare("DELETE FROM events WHERE tenant_id = ?"),
    listConnectors: db.prepare("SELECT * FROM connectors ORDER BY created_at, id"),
    listConnectorsOf: db.prepare("SELECT * FROM connectors WHERE tenant_id = ? ORDER BY created_at, id"),
    getConnector: db.prepare("SELECT * FROM connectors WHERE id = ?"),
    putConnector: db.prepare(
      `INSERT INTO connectors (id, tenant_id, type, name, description, enabled, config, created_at, updated_at)
       VALUES (@id, @tenant_id, @type, @name, @description, @enabled, @config, @created_at, @updated_at)
       ON CONFLICT(id) DO UPDATE SET type=excluded.type, name=excluded.name, description=excluded.description,
         enabled=excluded.enabled, config=excluded.config, updated_at=excluded.updated_at`,
    ),
    deleteConnector: db.prepare("DELETE FROM connectors WHERE id = ?"),
    deleteSecretsPrefix: db.prepare("DELETE FROM secrets WHERE substr(name, 1, ?) = ?"),
    getSecret: db.prepare("SELECT iv, tag, data FROM secrets WHERE name = ?"),
    setSecret: db.prepare(
      `INSERT INTO secrets (name, iv, tag, data, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET iv=excluded.iv, tag=excluded.tag, data=excluded.data, updated_at=excluded.updated_at`,
    ),
    deleteSecret: db.prepare("DELETE FROM secrets WHERE name = ?"),
    getTeams: db.prepare("SELECT config FROM teams_settings WHERE tenant_id = ?"),
    putTeams: db.prepare(
      `INSERT INTO teams_settings (tenant_id, config, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(tenant_id) DO UPDATE SET config=excluded.config, updated_at=excluded.updated_at`,
    ),
    listSa: db.prepare("SELECT * FROM service_accounts WHERE tenant_id = ? ORDER BY added_at, id"),
    putSa: db.prepare(
      `INSERT INTO service_accounts (id, tenant_id, upn, status, reason, added_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET upn=excluded.upn, status=excluded.status, reason=excluded.reason`,
    ),
    deleteSa: db.prepare("DELETE FROM service_accounts WHERE tenant_id = ? AND id = ?"),
    listEndpoints: db.prepare("SELECT * FROM endpoints ORDER BY display_name COLLATE NOCASE, id"),
    listEndpointsOf: db.prepare(
      "SELECT * FROM endpoints WHERE connector_id = ? ORDER BY display_name COLLATE NOCASE, id",
    ),
    putEndpoint: db.prepare(
      `INSERT INTO endpoints (id, connector_id, pbx_guid, teams_user_id, match, enabled, display_name, email,
         h323, e164, created_at, updated_at)
       VALUES (@id, @connector_id, @pbx_guid, @teams_user_id, @match, @enabled, @display_name, @email, @h323,
         @e164, @created_at, @updated_at)
       ON CONFLICT(id) DO UPDATE SET teams_user_id=excluded.teams_user_id, match=excluded.match,
         enabled=excluded.enabled, display_name=excluded.display_name, email=excluded.email, h323=excluded.h323,
         e164=excluded.e164, updated_at=excluded.updated_at`,
    ),
    deleteEndpoint: db.prepare("DELETE FROM endpoints WHERE id = ?"),
    endpointTenant: db.prepare(
      "SELECT c.tenant_id FROM endpoints e JOIN connectors c ON c.id = e.connector_id WHERE e.id = ?",
    ),
    loadSync: db.prepare("SELECT endpoint_id, state FROM sync_state"),
    loadSyncOf: db.prepare(
      `SELECT s.endpoint_id, s.state FROM sync_state s JOIN endpoints e ON e.id = s.endpoint_id
       JOIN connectors c ON c.id = e.connector_id WHERE c.tenant_id = ?`,
    ),
    saveSync: db.prepare(
      `INSERT INTO sync_state (endpoint_id, state, updated_at) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM endpoints WHERE id = ?)
       ON CONFLICT(endpoint_id) DO UPDATE SET state=excluded.state, updated_at=excluded.updated_at`,
    ),
    deleteSync: db.prepare("DELETE FROM sync_state WHERE endpoint_id = ?"),
    getSetting: db.prepare("SELECT value FROM settings WHERE key = ?"),
    setSetting: db.prepare(
      "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
    ),
    insertEvent: db.prepare(
      `INSERT INTO events (at, level, kind, tenant_id, connector_id, endpoint_id, message, details)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    listUsers: db.prepare("SELECT * FROM users ORDER BY username COLLATE NOCASE"),
    getUser: db.prepare("SELECT * FROM users WHERE id = ?"),
    findUser: db.prepare("SELECT * FROM users WHERE username = ? COLLATE NOCASE"),
    putUser: db.prepare(
      `INSERT INTO users (id, username, password_hash, role, tenant_id, disabled, created_at, updated_at)
       VALUES (@id, @username, @password_hash, @role, @tenant_id, @disabled, @created_at, @updated_at)
       ON CONFLICT(id) DO UPDATE SET username=excluded.username, password_hash=excluded.password_hash,
         role=excluded.role, tenant_id=excluded.tenant_id, disabled=excluded.disabled, updated_at=excluded.updated_at`,
    ),
    deleteUser: db.prepare("DELETE FROM users WHERE id = ?"),
    trimEvents: db.prepare("DELETE FROM events WHERE id <= ?"),
    getSession: db.prepare("SELECT * FROM sessions WHERE id_hash = ?"),
    putSession: db.prepare(
      `INSERT INTO sessions (id_hash, user_id, principal, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(id_hash) DO UPDATE SET principal=excluded.principal, expires_at=excluded.expires_at`,
    ),
    deleteSession: db.prepare("DELETE FROM sessions WHERE id_hash = ?"),
    deleteUserSessions: db.prepare("DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?"),
    deleteExpiredSessions: db.prepare("DELETE FROM sessions WHERE expires_at <= ?"),
  };
}
