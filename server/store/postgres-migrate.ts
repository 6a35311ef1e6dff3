// Applies the migrations (migrations.ts, rendered for PostgreSQL) to a shared database. Several instances
// may start at once: an advisory lock lets one migrate while the others wait, and each migration commits
// together with its version row, so a crash mid-upgrade leaves the previous version intact.
import type pg from "pg";
import { HubError } from "../../common/errors.js";
import { MIGRATIONS, type Migration } from "./migrations.js";
import { render } from "./schema/render.js";

/** An arbitrary constant: the advisory lock every Presence Hub instance takes to migrate. */
const MIGRATION_LOCK = 0x50_48_75_62; // "PHub"

export async function migratePostgres(client: pg.ClientBase, migrations: Migration[] = MIGRATIONS): Promise<number> {
  await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
  try {
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    );
    const r = await client.query<{ v: number | null }>("SELECT max(version) AS v FROM schema_version");
    let version = r.rows[0]?.v ?? 0;
    const latest = migrations.reduce((m, x) => Math.max(m, x.version), 0);
    if (version > latest) {
      throw new HubError("STORE", `database schema version ${version} is newer than this hub (${latest}); upgrade the hub`);
    }
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (m.version <= version) continue;
      await client.query("BEGIN");
      try {
        for (const step of m.steps) for (const st of render(step, "postgres")) await client.query(st.sql, st.params as unknown[]);
        await client.query("INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)", [
          m.version,
          m.name,
          new Date().toISOString(),
        ]);
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw new HubError("STORE", `migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
      }
      version = m.version;
    }
    return version;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
  }
}
