// How endpoint rows reach the store: changed rows are written together shortly after (every 100 ms),
// new rows (a replication burst) in one transaction on the next turn — while a burst lasts at most every
// 50 ms, since the PBX replicates one row per round trip — and only once stored are new rows handed on
// (the core may save hub-set state for them at once, and that state needs the row: foreign key). A failed
// write keeps its rows for a retry unless a newer version of a row is waiting already.
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { HubStore, StoredEndpoint } from "../store/types.js";

/** Spacing of new-endpoint commits during a replication burst. */
const NEW_FLUSH_MS = 50;
/** Changed rows are written together this long after the first change. */
const CHANGED_FLUSH_MS = 100;

export class EndpointRowWriter {
  private changed = new Map<string, StoredEndpoint>();
  private changedTimer: NodeJS.Timeout | undefined;
  private fresh = new Map<string, StoredEndpoint>();
  /** Cancels the scheduled write of new rows. */
  private freshTimer: (() => void) | undefined;
  private lastFreshFlush = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly o: {
      store: HubStore;
      /** The row as it is now (undefined: dropped meanwhile). */
      current(id: string): StoredEndpoint | undefined;
      /** New rows, now stored. */
      stored(rows: StoredEndpoint[]): void;
      log: Logger;
    },
  ) {}

  /** Whether the row is new and not stored yet. */
  isNew(id: string): boolean {
    return this.fresh.has(id);
  }

  addNew(e: StoredEndpoint): void {
    this.fresh.set(e.id, e);
    this.scheduleNew();
  }

  addChanged(e: StoredEndpoint): void {
    this.changed.set(e.id, e);
    if (this.changedTimer) return;
    this.changedTimer = setTimeout(() => {
      this.flush().catch((err) => this.o.log.error({ err: errorMessage(err) }, "endpoint rows not stored; retrying"));
    }, CHANGED_FLUSH_MS);
    this.changedTimer.unref?.();
  }

  /** The row is gone: nothing of it is written any more. */
  forget(id: string): void {
    this.changed.delete(id);
    this.fresh.delete(id);
  }

  /** Write everything buffered now (admin changes, tests, shutdown). */
  async flush(): Promise<void> {
    const created = this.flushNew();
    if (this.changedTimer) clearTimeout(this.changedTimer);
    this.changedTimer = undefined;
    const rows = [...this.changed.values()].filter((e) => this.o.current(e.id) === e);
    this.changed = new Map();
    const written =
      rows.length === 0
        ? Promise.resolve()
        : this.o.store.write((w) => w.putEndpoints(rows)).catch((err) => {
            for (const r of rows) if (!this.changed.has(r.id)) this.addChanged(r);
            throw err;
          });
    await Promise.all([created, written]);
  }

  private scheduleNew(): void {
    if (this.freshTimer) return;
    const run = () => void this.flushNew().catch(() => undefined);
    const wait = this.lastFreshFlush + NEW_FLUSH_MS - performance.now();
    if (wait <= 0) {
      const t = setImmediate(run);
      this.freshTimer = () => clearImmediate(t);
    } else {
      const t = setTimeout(run, wait);
      this.freshTimer = () => clearTimeout(t);
    }
  }

  private flushNew(): Promise<void> {
    this.freshTimer?.();
    this.freshTimer = undefined;
    this.lastFreshFlush = performance.now();
    if (this.fresh.size === 0) return Promise.resolve();
    const batch = [...this.fresh.keys()].filter((id) => this.o.current(id));
    this.fresh = new Map();
    return this.o.store.write((w) => w.putEndpoints(batch.map((id) => this.o.current(id)!))).then(
      () => {
        const stored: StoredEndpoint[] = [];
        for (const id of batch) {
          const row = this.o.current(id);
          if (row) stored.push(row); // else dropped meanwhile
        }
        this.o.stored(stored);
      },
      (err) => {
        this.o.log.error({ endpoints: batch.length, err: errorMessage(err) }, "new endpoints not stored; retrying");
        for (const id of batch) {
          const row = this.o.current(id);
          if (row && !this.fresh.has(id)) this.fresh.set(id, row);
        }
        setTimeout(() => this.scheduleNew(), 2000).unref();
        throw err;
      },
    );
  }
}
