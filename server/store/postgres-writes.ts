// The shared store's writes: StoreWriter calls recorded as SQL statements (secrets sealed on the way), run
// later in one transaction, plus the configuration tables they touch (reloaded into every instance's copy).
import type { SecretBox } from "./crypto.js";
import type { ConfigTable, StoredEndpoint, StoreWriter } from "./types.js";

export interface Statement {
  sql: string;
  params: unknown[];
}

export interface RecordedWrites {
  statements: Statement[];
  tables: Set<ConfigTable>;
}

const deletePrefix = (prefix: string): Statement => ({
  sql: "DELETE FROM secrets WHERE left(name, length($1)) = $1",
  params: [prefix],
});

function endpointsUpsert(endpoints: StoredEndpoint[]): Statement {
  // One statement for any number of rows: the columns travel as arrays.
  const col = <T>(f: (e: StoredEndpoint) => T) => endpoints.map(f);
  return {
    sql: `INSERT INTO endpoints (id, connector_id, pbx_guid, teams_user_id, match, enabled, display_name, email, h323,
            e164, created_at, updated_at)
          SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[],
            $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
          ON CONFLICT (id) DO UPDATE SET teams_user_id = excluded.teams_user_id, match = excluded.match,
            enabled = excluded.enabled, display_name = excluded.display_name, email = excluded.email,
            h323 = excluded.h323, e164 = excluded.e164, updated_at = excluded.updated_at`,
    params: [
      col((e) => e.id),
      col((e) => e.connectorId),
      col((e) => e.pbxGuid),
      col((e) => e.teamsUserId),
      col((e) => e.match),
      col((e) => (e.enabled ? 1 : 0)),
      col((e) => e.displayName),
      col((e) => e.email),
      col((e) => e.h323),
      col((e) => e.e164),
      col((e) => e.createdAt),
      col((e) => e.updatedAt),
    ],
  };
}

export function recordWrites(box: SecretBox, fn: (w: StoreWriter) => void): RecordedWrites {
  const statements: Statement[] = [];
  const tables = new Set<ConfigTable>();
  const add = (touched: ConfigTable[], ...st: Statement[]) => {
    statements.push(...st);
    for (const t of touched) tables.add(t);
  };
  const writer: StoreWriter = {
    putTenant: (t) =>
      add(["tenants"], {
        sql: `INSERT INTO tenants (id, name, created_at, updated_at) VALUES ($1, $2, $3, $4)
              ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at`,
        params: [t.id, t.name, t.createdAt, t.updatedAt],
      }),
    deleteTenant: (id) =>
      add(
        ["tenants", "teams_settings", "service_accounts", "users", "secrets"],
        // teams_settings and users go by ON DELETE CASCADE
        { sql: "DELETE FROM service_accounts WHERE tenant_id = $1", params: [id] },
        { sql: "DELETE FROM events WHERE tenant_id = $1", params: [id] },
        { sql: "DELETE FROM tenants WHERE id = $1", params: [id] },
        deletePrefix(`tenant/${id}/`),
      ),
    putConnector: (c) =>
      add(["connectors"], {
        sql: `INSERT INTO connectors (id, tenant_id, type, name, description, enabled, config, created_at, updated_at)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
              ON CONFLICT (id) DO UPDATE SET type = excluded.type, name = excluded.name,
                description = excluded.description, enabled = excluded.enabled, config = excluded.config,
                updated_at = excluded.updated_at`,
        params: [
          c.id,
          c.tenant,
          c.type,
          c.name,
          c.description,
          c.enabled ? 1 : 0,
          JSON.stringify(c.config),
          c.createdAt,
          c.updatedAt,
        ],
      }),
    deleteConnector: (id) =>
      add(
        ["connectors", "secrets"],
        // endpoints and sync_state go by ON DELETE CASCADE
        { sql: "DELETE FROM connectors WHERE id = $1", params: [id] },
        deletePrefix(`connector/${id}/`),
      ),
    setSecret: (name, value) => {
      const s = box.seal(name, value);
      add(["secrets"], {
        sql: `INSERT INTO secrets (name, iv, tag, data, updated_at) VALUES ($1, $2, $3, $4, $5)
              ON CONFLICT (name) DO UPDATE SET iv = excluded.iv, tag = excluded.tag, data = excluded.data,
                updated_at = excluded.updated_at`,
        params: [name, s.iv, s.tag, s.data, new Date().toISOString()],
      });
    },
    deleteSecret: (name) => add(["secrets"], { sql: "DELETE FROM secrets WHERE name = $1", params: [name] }),
    putTeamsSettings: (tenant, s) =>
      add(["teams_settings"], {
        sql: `INSERT INTO teams_settings (tenant_id, config, updated_at) VALUES ($1, $2, $3)
              ON CONFLICT (tenant_id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at`,
        params: [tenant, JSON.stringify(s), s.updatedAt],
      }),
    putServiceAccount: (tenant, a) =>
      add(["service_accounts"], {
        sql: `INSERT INTO service_accounts (id, tenant_id, upn, status, reason, added_at) VALUES ($1, $2, $3, $4, $5, $6)
              ON CONFLICT (id) DO UPDATE SET upn = excluded.upn, status = excluded.status, reason = excluded.reason`,
        params: [a.id, tenant, a.upn, a.status, a.reason ?? null, a.addedAt],
      }),
    deleteServiceAccount: (tenant, id) =>
      add(
        ["service_accounts", "secrets"],
        { sql: "DELETE FROM service_accounts WHERE tenant_id = $1 AND id = $2", params: [tenant, id] },
        { sql: "DELETE FROM secrets WHERE name = $1", params: [`tenant/${tenant}/serviceAccount/${id}/refreshToken`] },
      ),
    putEndpoints: (endpoints) => {
      if (endpoints.length > 0) add([], endpointsUpsert(endpoints));
    },
    deleteEndpoint: (id) => add([], { sql: "DELETE FROM endpoints WHERE id = $1", params: [id] }),
    setSetting: (key, value) =>
      add(["settings"], {
        sql: "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params: [key, JSON.stringify(value)],
      }),
    putUser: (u) =>
      add(["users"], {
        sql: `INSERT INTO users (id, username, password_hash, role, tenant_id, disabled, created_at, updated_at)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
              ON CONFLICT (id) DO UPDATE SET username = excluded.username, password_hash = excluded.password_hash,
                role = excluded.role, tenant_id = excluded.tenant_id, disabled = excluded.disabled,
                updated_at = excluded.updated_at`,
        params: [u.id, u.username, u.passwordHash, u.role, u.tenant, u.disabled ? 1 : 0, u.createdAt, u.updatedAt],
      }),
    deleteUser: (id) => add(["users"], { sql: "DELETE FROM users WHERE id = $1", params: [id] }),
  };
  fn(writer);
  return { statements, tables };
}
