// The sync core's persistence of what the hub set (HubSetState), with the saves made in one event-loop turn
// committed together. The core saves twice per write (the intent before it, the result after it); as
// separate commits these were ≈ 11 % of the hub's busy time under load. Coalesced, a result usually shares
// the commit of the next write's intent.
//
// Crash safety: the core awaits flush() before every write it sends, so the intent is stored before the
// PBX or Graph can see the write; everything else is committed in a microtask. Commits run one after the
// other (a later state of an endpoint never loses to an earlier one). A commit that fails — the shared
// store is away, or the tenant's lease went to another instance (the fence) — keeps its states for the
// next one and rejects the flush that waited for it, so that write is not sent.
import { errorMessage, isHubError } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { HubSetState, SyncPersistence } from "../../engine/sync/types.js";
import type { Fence, HubStore } from "../store/types.js";

export interface SyncPersistenceOptions {
  /** Whose states are loaded (one sync core per tenant). */
  tenant?: string;
  /** The tenant's lease on a shared store: every commit carries it. */
  fence?: Fence;
  /** A commit was refused because another instance holds the lease now. */
  onFenced?: () => void;
}

/** How often states a failed commit kept are tried again when nothing else commits meanwhile. */
const RETRY_MS = 2000;

export class BatchedSyncPersistence implements SyncPersistence {
  /** Latest uncommitted state per endpoint (null: remove); a later save supersedes an earlier one. */
  private pending = new Map<string, HubSetState | null>();
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private failing = false;
  private retry: NodeJS.Timeout | null = null;
  private loaded: Map<string, HubSetState> | null;

  private constructor(
    private readonly store: HubStore,
    private readonly log: Logger,
    private readonly o: SyncPersistenceOptions,
    loaded: Map<string, HubSetState>,
  ) {
    this.loaded = loaded;
  }

  /** Reads the stored states first (the core takes them synchronously when it starts). */
  static async open(store: HubStore, log: Logger, o: SyncPersistenceOptions = {}): Promise<BatchedSyncPersistence> {
    return new BatchedSyncPersistence(store, log, o, await store.loadSyncStates(o.tenant));
  }

  loadAll(): Map<string, HubSetState> {
    const m = this.loaded ?? new Map();
    this.loaded = null;
    return m;
  }

  save(endpointId: string, state: HubSetState): void {
    this.pending.set(endpointId, state);
    this.schedule();
  }

  remove(endpointId: string): void {
    this.pending.set(endpointId, null);
    this.schedule();
  }

  /** Resolves when everything saved before the call is stored. */
  flush(): Promise<void> {
    this.scheduled = false;
    // Saves made before this call are pending now or in the commit under way; a commit chained behind
    // that one covers both.
    const run = this.chain.then(() => this.commit());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Stop retrying (the runtime stops; what is still pending is flushed by the caller first). */
  close(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      if (this.scheduled) this.flush().catch(() => undefined);
    });
  }

  private async commit(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.store.saveSyncStates(batch, this.o.fence);
      if (this.failing) this.log.info("hub-set state stored again");
      this.failing = false;
    } catch (e) {
      // Keep what a newer save did not supersede meanwhile, for the next commit.
      for (const [id, s] of batch) if (!this.pending.has(id)) this.pending.set(id, s);
      if (isHubError(e, "STORE_FENCED")) this.o.onFenced?.();
      else if (!this.failing) this.log.error({ endpoints: batch.size, err: errorMessage(e) }, "hub-set state not stored; retrying");
      this.failing = true;
      this.retryLater();
      throw e;
    }
  }

  private retryLater(): void {
    if (this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (this.pending.size > 0) this.flush().catch(() => undefined);
    }, RETRY_MS);
    this.retry.unref();
  }
}
