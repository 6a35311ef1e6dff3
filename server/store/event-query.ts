// The event log's query (GET /api/events and the timelines) as SQL for either store: the same filters,
// only the parameter marks differ (SQLite ?, PostgreSQL $1…).
import type { EventStoreQuery } from "./types.js";

/**
 * `binary` is the store's byte-order collation clause: the kind family range relies on '.' < '/', which a
 * language collation (PostgreSQL databases created with en_US.UTF-8) does not keep. SQLite compares bytes.
 */
export function eventQuerySql(
  query: EventStoreQuery,
  mark: (n: number) => string,
  binary = "",
): { sql: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  const arg = (v: unknown) => {
    args.push(v);
    return mark(args.length);
  };
  if (query.tenant) where.push(`tenant_id = ${arg(query.tenant)}`);
  if (query.endpointId) where.push(`endpoint_id = ${arg(query.endpointId)}`);
  if (query.connectorId) where.push(`connector_id = ${arg(query.connectorId)}`);
  if (query.kinds?.length) {
    // A family "decision" is the range "decision." ≤ kind < "decision/" ('/' follows '.'), plus the bare word.
    const terms = query.kinds.map((k) =>
      k.includes(".")
        ? `kind = ${arg(k)}`
        : `(kind = ${arg(k)} OR (kind${binary} >= ${arg(`${k}.`)} AND kind${binary} < ${arg(`${k}/`)}))`,
    );
    where.push(`(${terms.join(" OR ")})`);
  }
  if (query.levels) where.push(`level IN (${query.levels.map((l) => arg(l)).join(", ") || "NULL"})`);
  if (query.beforeId !== undefined) where.push(`id < ${arg(query.beforeId)}`);
  const limit = arg(Math.max(1, Math.min(1000, query.limit)));
  return {
    sql: `SELECT * FROM events ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ${limit}`,
    args,
  };
}
