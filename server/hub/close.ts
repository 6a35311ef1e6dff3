// The hub's graceful stop, in the order that keeps what the hub set from outliving it: undo through the
// still-connected adapters of every tenant (bounded, in parallel), stop the connectors, stop each tenant's
// Microsoft 365 side and close its core, write the buffered endpoint rows, sync state and event log, close
// the store (unless the caller opened it: the shared store outlives the hub until leases are released).
// Idempotent: every caller gets the same promise.
import type { HubStore } from "../store/types.js";
import type { ConnectorManager } from "./connectors.js";
import type { EventLog } from "./events.js";
import type { TenantManager } from "./tenants.js";
import type { CloseOptions, HubHealth } from "./types.js";

/** Running / stopping / stopped, shared by the close sequence (writes) and health() (reads). */
export interface HubLifecycle {
  state: HubHealth["state"];
  readonly startedAt: string;
}

export interface ClosableHub {
  lifecycle: HubLifecycle;
  store: HubStore;
  /** Whether the hub opened the store (and so closes it). */
  ownsStore: boolean;
  tenants: TenantManager;
  connectors: ConnectorManager;
  events: EventLog;
  /** Stops listening for rule swaps (before the adapters go, so no swap restarts one). */
  unsubscribeSwap: () => void;
}

/** Hub.close for these parts. */
export function hubCloser(p: ClosableHub): (options?: CloseOptions) => Promise<void> {
  let closing: Promise<void> | undefined;
  return (opts: CloseOptions = {}): Promise<void> => {
    closing ??= (async () => {
      p.lifecycle.state = "stopping";
      const undo = opts.undo ?? true;
      const timeoutMs = opts.timeoutMs ?? 5000;
      p.events.add({
        level: "info",
        kind: "hub.stopping",
        message: undo ? "Stopping: undoing what the hub set" : "Stopping",
      });
      if (undo) {
        const left = (await Promise.all(p.tenants.all().map((t) => t.release(timeoutMs)))).flat();
        if (left.length) {
          p.events.add({
            level: "warn",
            kind: "undo",
            message: `Undo incomplete for ${left.length} endpoint(s); the next start reconciles them (Teams sessions expire on their own)`,
            details: { endpoints: left.slice(0, 100) },
          });
        }
      }
      p.unsubscribeSwap();
      await p.connectors.stopAll();
      await Promise.allSettled(p.tenants.all().map((t) => t.stop()));
      p.events.add({ level: "info", kind: "hub.stopped", message: "Stopped" });
      await p.events.close();
      if (p.ownsStore) await p.store.close();
      p.lifecycle.state = "stopped";
    })();
    return closing;
  };
}
