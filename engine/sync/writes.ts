// How the apply protocols of both sides touch the outside world and the hub-set record: every external write
// goes through `write` (the persisted intent is flushed first, the outcome is recorded on the endpoint and
// reported), every change of what the hub set through `setHub` (persisted, coalesced by the store).
import { errorMessage, isHubError } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { EndpointState } from "./endpoint.js";
import type { HubSetState, SyncNotice, SyncPersistence, SyncSide, WriteOp } from "./types.js";

export interface ApplyContext {
  /** Record (and persist) a change of what the hub set on the endpoint. */
  setHub(ep: EndpointState, patch: Partial<HubSetState>): void;
  /** Run one external write; resolves false when it failed (the worker retries later). */
  write(
    ep: EndpointState,
    side: SyncSide,
    op: WriteOp,
    detail: Record<string, unknown>,
    fn: () => Promise<unknown>,
  ): Promise<boolean>;
  notify(n: SyncNotice): void;
}

export class WriteRecorder implements ApplyContext {
  constructor(
    private readonly persistence: SyncPersistence,
    /** Whether the endpoint is still known (a write may finish after its endpoint was removed). */
    private readonly isCurrent: (ep: EndpointState) => boolean,
    readonly notify: (n: SyncNotice) => void,
    private readonly log: Logger,
  ) {}

  setHub(ep: EndpointState, patch: Partial<HubSetState>): void {
    ep.hub = { ...ep.hub, ...patch };
    // A removed endpoint has no row to persist into.
    if (this.isCurrent(ep)) this.persistence.save(ep.binding.id, ep.hub);
  }

  async write(
    ep: EndpointState,
    side: SyncSide,
    op: WriteOp,
    detail: Record<string, unknown>,
    fn: () => Promise<unknown>,
  ): Promise<boolean> {
    const id = ep.binding.id;
    const base = {
      kind: "write" as const,
      side,
      op,
      endpointId: id,
      connectorId: ep.binding.connectorId,
      detail,
    };
    try {
      // What the hub is about to set (dirty flag, CFB intent) must be stored before the write can happen;
      // if it cannot be, the write is not sent (and retried like a failed one).
      await this.persistence.flush?.();
      await fn();
      if (side === "pbx") {
        ep.pbxError = null;
        ep.pbxWriteAt = new Date().toISOString();
      } else {
        ep.teamsError = null;
        ep.teamsWriteAt = new Date().toISOString();
      }
      this.notify({ ...base, ok: true });
      return true;
    } catch (e) {
      const error = errorMessage(e);
      if (side === "pbx") ep.pbxError = `${op} failed: ${error}`;
      else ep.teamsError = `${op} failed: ${error}`;
      this.notify({ ...base, ok: false, error });
      // A closed connection fails every write in flight at once (a PBX restart, the hub stopping: thousands
      // at 100,000 endpoints); the connector's status reports it, so these lines are debug.
      const level = isHubError(e, "CONNECTION_CLOSED") ? "debug" : "warn";
      this.log[level](
        { endpointId: id, op, err: error },
        `${side === "pbx" ? "PBX" : "Teams"} write failed; will retry`,
      );
      return false;
    }
  }
}
