// The store's schema as data: migration steps that both stores (embedded SQLite, PostgreSQL) render into
// their own SQL, so one definition describes every database the hub runs on. Only what the hub needs:
// tables, columns, indexes, renames and portable data moves; a step that cannot be said portably carries
// one SQL text per dialect.

export type ColumnType = "text" | "integer" | "bigint" | "blob" | "real";

export interface Column {
  name: string;
  type: ColumnType;
  notNull?: boolean;
  /** A literal SQL default, e.g. `'default'` or `0`. */
  default?: string;
  primaryKey?: boolean;
  /** An auto-numbered primary key (SQLite INTEGER PRIMARY KEY AUTOINCREMENT, PostgreSQL BIGSERIAL). */
  autoIncrement?: boolean;
  references?: { table: string; column: string; onDelete?: "cascade" };
  /** Compared and made unique case-insensitively (SQLite COLLATE NOCASE; PostgreSQL: a lower() index). */
  caseInsensitive?: boolean;
}

export type Step =
  | { createTable: string; columns: Column[]; unique?: string[][]; checks?: string[] }
  | { addColumn: string; column: Column }
  | { createIndex: string; on: string; columns: string[]; unique?: boolean }
  | { dropTable: string }
  | { renameTable: string; to: string }
  /** Plain SQL that means the same in both dialects (INSERT … SELECT, UPDATE, DELETE). */
  | { sql: string }
  /** A row whose values are given by the hub (e.g. timestamps), inserted as bound parameters. */
  | { insert: string; values: () => Record<string, string | number | null> }
  | { dialects: { sqlite: string; postgres: string } };

export interface Migration {
  version: number;
  name: string;
  steps: Step[];
}

/** Column builders: `text("id", { primaryKey: true })`. */
export const text = (name: string, o: Omit<Column, "name" | "type"> = {}): Column => ({ name, type: "text", ...o });
export const integer = (name: string, o: Omit<Column, "name" | "type"> = {}): Column => ({
  name,
  type: "integer",
  ...o,
});
export const bigint = (name: string, o: Omit<Column, "name" | "type"> = {}): Column => ({ name, type: "bigint", ...o });
export const blob = (name: string, o: Omit<Column, "name" | "type"> = {}): Column => ({ name, type: "blob", ...o });
