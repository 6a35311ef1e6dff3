// The hub's graceful stop, in the order that keeps what the hub set from outliving it: undo through the
// still-connected adapters (bounded), stop the adapters, close the core, flush the endpoint rows, the event
// log and the batched sync state, close the store. Idempotent: every caller gets the same promise.
import type { SyncCore } from "../../engine/sync/core.js";
import type { HubStore } from "../store/types.js";
import type { ConnectorManager } from "./connectors.js";
import type { EndpointDirectory } from "./endpoints.js";
import type { EventLog } from "./events.js";
import type { BatchedSyncPersistence } from "./sync-persistence.js";
import type { TeamsManager } from "./teams.js";
import type { CloseOptions, HubHealth } from "./types.js";

/** Running / stopping / stopped, shared by the close sequence (writes) and health() (reads). */
export interface HubLifecycle {
  state: HubHealth["state"];
  readonly startedAt: string;
}

export interface ClosableHub {
  lifecycle: HubLifecycle;
  store: HubStore;
  core: SyncCore;
  connectors: ConnectorManager;
  teams: TeamsManager;
  endpoints: EndpointDirectory;
  events: EventLog;
  persistence: BatchedSyncPersistence;
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
        const ids = p.endpoints.ids();
        const left = await p.core.release(ids, timeoutMs);
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
      await Promise.allSettled([p.connectors.stopAll(), p.teams.stop()]);
      p.core.close();
      p.endpoints.flush();
      p.events.add({ level: "info", kind: "hub.stopped", message: "Stopped" });
      p.events.close();
      p.persistence.flush();
      p.store.close();
      p.lifecycle.state = "stopped";
    })();
    return closing;
  };
}
