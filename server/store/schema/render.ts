// Renders migration steps (steps.ts) into the SQL of one dialect. SQLite keeps its historical spellings
// (TEXT, INTEGER, BLOB, AUTOINCREMENT, COLLATE NOCASE); PostgreSQL gets BIGINT, BYTEA, BIGSERIAL and
// lower() indexes for case-insensitive uniqueness.
import type { Column, Step } from "./steps.js";

export type Dialect = "sqlite" | "postgres";

/** One statement to run: SQL text and, for inserts, its bound parameters. */
export interface Statement {
  sql: string;
  params?: unknown[];
}

function columnSql(c: Column, d: Dialect): string {
  if (c.autoIncrement) return d === "sqlite" ? `${c.name} INTEGER PRIMARY KEY AUTOINCREMENT` : `${c.name} BIGSERIAL PRIMARY KEY`;
  const type =
    c.type === "text"
      ? "TEXT"
      : c.type === "blob"
        ? d === "sqlite"
          ? "BLOB"
          : "BYTEA"
        : c.type === "real"
          ? d === "sqlite"
            ? "REAL"
            : "DOUBLE PRECISION"
          : c.type === "bigint" && d === "postgres"
            ? "BIGINT"
            : "INTEGER";
  const parts = [c.name, type];
  if (c.primaryKey) parts.push("PRIMARY KEY");
  if (c.notNull) parts.push("NOT NULL");
  if (c.caseInsensitive && d === "sqlite") parts.push("COLLATE NOCASE");
  if (c.default !== undefined) parts.push(`DEFAULT ${c.default}`);
  if (c.references)
    parts.push(
      `REFERENCES ${c.references.table}(${c.references.column})${c.references.onDelete === "cascade" ? " ON DELETE CASCADE" : ""}`,
    );
  return parts.join(" ");
}

export function render(step: Step, d: Dialect): Statement[] {
  if ("createTable" in step) {
    const lines = step.columns.map((c) => columnSql(c, d));
    for (const u of step.unique ?? []) {
      // Case-insensitive uniqueness in PostgreSQL needs an expression index (below), not a constraint.
      const ci = u.some((n) => step.columns.find((c) => c.name === n)?.caseInsensitive);
      if (!(ci && d === "postgres")) lines.push(`UNIQUE (${u.join(", ")})`);
    }
    for (const c of step.checks ?? []) lines.push(`CHECK (${c})`);
    const out: Statement[] = [{ sql: `CREATE TABLE ${step.createTable} (\n  ${lines.join(",\n  ")}\n)` }];
    if (d === "postgres") {
      for (const u of step.unique ?? []) {
        if (!u.some((n) => step.columns.find((c) => c.name === n)?.caseInsensitive)) continue;
        const cols = u.map((n) => (step.columns.find((c) => c.name === n)?.caseInsensitive ? `lower(${n})` : n));
        out.push({ sql: `CREATE UNIQUE INDEX ${step.createTable}_${u.join("_")}_ci ON ${step.createTable} (${cols.join(", ")})` });
      }
    }
    return out;
  }
  if ("addColumn" in step) return [{ sql: `ALTER TABLE ${step.addColumn} ADD COLUMN ${columnSql(step.column, d)}` }];
  if ("createIndex" in step)
    return [
      {
        sql: `CREATE ${step.unique ? "UNIQUE " : ""}INDEX ${step.createIndex} ON ${step.on}(${step.columns.join(", ")})`,
      },
    ];
  if ("dropTable" in step) return [{ sql: `DROP TABLE ${step.dropTable}` }];
  if ("renameTable" in step) return [{ sql: `ALTER TABLE ${step.renameTable} RENAME TO ${step.to}` }];
  if ("sql" in step) return [{ sql: step.sql }];
  if ("insert" in step) {
    const values = step.values();
    const names = Object.keys(values);
    const marks = names.map((_, i) => (d === "sqlite" ? "?" : `$${i + 1}`));
    return [{ sql: `INSERT INTO ${step.insert} (${names.join(", ")}) VALUES (${marks.join(", ")})`, params: Object.values(values) }];
  }
  return [{ sql: step.dialects[d] }];
}
