// The one migration definition still describes the schema the first release created with raw SQLite
// (fixtures/schema-v1.sql): same tables, columns, types, keys and indexes — so databases created then and
// databases created now upgrade alike.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migrate } from "../../server/store/migrations.js";

function shape(db: Database.Database): unknown {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[];
  return tables.map(({ name }) => ({
    name,
    columns: db.prepare(`PRAGMA table_info(${name})`).all(),
    foreignKeys: db.prepare(`PRAGMA foreign_key_list(${name})`).all(),
    indexes: (db.prepare(`PRAGMA index_list(${name})`).all() as { name: string; unique: number }[])
      .map((i) => ({ unique: i.unique, columns: db.prepare(`PRAGMA index_info(${i.name})`).all().map((c) => (c as { name: string }).name) }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  }));
}

describe("migration definition", () => {
  it("version 1 from the definition equals the first release's raw schema", () => {
    const raw = new Database(":memory:");
    raw.exec(readFileSync(join(import.meta.dirname, "fixtures", "schema-v1.sql"), "utf8"));
    const defined = new Database(":memory:");
    migrate(defined, MIGRATIONS.filter((m) => m.version === 1));
    expect(shape(defined)).toEqual(shape(raw));
  });

  it("version 2 applies on top of the raw version 1 like on the defined one", () => {
    const raw = new Database(":memory:");
    raw.exec(readFileSync(join(import.meta.dirname, "fixtures", "schema-v1.sql"), "utf8"));
    raw.pragma("user_version = 1");
    expect(migrate(raw, MIGRATIONS)).toBe(2);
    const fresh = new Database(":memory:");
    migrate(fresh, MIGRATIONS);
    expect(shape(raw)).toEqual(shape(fresh));
  });
});
