// Which store a hub process uses: the shared PostgreSQL one when a database URL is configured (several
// instances), else the embedded SQLite file in the data directory (one instance, the default).
import { PgStore } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { HubStore } from "./types.js";

export interface StoreChoice {
  dataDir: string;
  /** postgres://…: the shared store. */
  databaseUrl?: string;
  secretKey?: string;
  eventLogLimit?: number;
  /** This instance's id (the shared store's change notifications name their sender). */
  instanceId: string;
}

export async function openStore(o: StoreChoice): Promise<HubStore> {
  if (o.databaseUrl) {
    return PgStore.open({
      url: o.databaseUrl,
      instanceId: o.instanceId,
      dataDir: o.dataDir,
      secretKey: o.secretKey,
      eventLogLimit: o.eventLogLimit,
    });
  }
  return openSqliteStore({ dataDir: o.dataDir, secretKey: o.secretKey, eventLogLimit: o.eventLogLimit });
}
