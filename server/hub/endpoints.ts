// Endpoints: one per PBX user of a connector, created from replication and matched to a Teams user by
// e-mail (matching.ts); manual mappings survive rematching. Keeps the endpoint bindings of the sync core in
// step with the stored rows; the EndpointView of a row is built by endpoint-view.ts.
import { randomUUID } from "node:crypto";
import type { PbxUser, TeamsUser } from "../../engine/ports/adapters.js";
import { errorMessage, HubError } from "../../common/errors.js";
import { logger } from "../../common/log.js";
import type { RuleSetSource } from "../../engine/rules/types.js";
import type { SyncCore } from "../../engine/sync/core.js";
import type { HubStore, StoredEndpoint } from "../store/types.js";
import type { TenantEvents } from "./events.js";
import { type ConnectorInfo, endpointView } from "./endpoint-view.js";
import { EndpointRowWriter } from "./endpoint-writes.js";
import { matchEvents } from "./match-events.js";
import { type DirectoryIndex, indexDirectory, matchTeamsUser } from "./matching.js";
import type {
  EndpointBulkEnableInput,
  EndpointListQuery,
  EndpointUpdateInput,
  EndpointView,
  Page,
  RematchResult,
} from "./types.js";

export class EndpointDirectory {
  private readonly rows = new Map<string, StoredEndpoint>();
  /** Endpoint id by connector, then PBX guid. Nested rather than keyed by a joined string: a joined key is
   * one more ≈ 90-byte string per endpoint, while the guid is the one the row already holds. */
  private readonly byPbx = new Map<string, Map<string, string>>();
  private readonly pbxUsers = new Map<string, Map<string, PbxUser>>();
  /** Per connector: endpoints, enabled, matched. Kept with every row change: each connector view and
   * status event reads them, and counting 100,000 rows each time was seconds of CPU during a start. */
  private readonly tally = new Map<string, { endpoints: number; enabled: number; matched: number }>();
  private directory: TeamsUser[] = [];
  private index: DirectoryIndex = indexDirectory([]);
  private directoryLoaded = false;

  constructor(
    /** The tenant: its connectors' endpoints, matched against its own Teams directory only. */
    readonly tenant: string,
    private readonly store: HubStore,
    private readonly core: SyncCore,
    private readonly events: TenantEvents,
    private readonly rules: RuleSetSource,
    private readonly connectorInfo: (id: string) => ConnectorInfo | undefined,
  ) {
    this.log = logger("endpoints", { tenant });
    this.writer = new EndpointRowWriter({
      store,
      current: (id) => this.rows.get(id),
      stored: (rows) => {
        for (const row of rows) {
          this.core.upsertEndpoint(binding(row));
          this.events.endpointChanged(row.id);
        }
        for (const e of matchEvents(rows.filter((r) => r.teamsUserId), (id) => this.teamsName(id))) this.events.add(e);
      },
      log: this.log,
    });
  }

  private readonly log: ReturnType<typeof logger>;
  /** New and changed rows on their way to the store. */
  private readonly writer: EndpointRowWriter;

  /** Read the tenant's stored endpoints and hand them to the core (before its connectors start). */
  async load(): Promise<void> {
    for (const c of this.store.listConnectors(this.tenant)) {
      for (const e of await this.store.listEndpoints(c.id)) {
        this.setRow(e);
        this.indexPbx(e);
        this.core.upsertEndpoint(binding(e));
      }
    }
  }

  /** Whether the endpoint is one of this tenant's. */
  has(id: string): boolean {
    return this.rows.has(id);
  }

  // ------------------------------------------------------------ inputs from the adapters

  /** A PBX user appeared or changed: create or refresh its endpoint (matching new ones by e-mail). */
  onPbxUser(connectorId: string, user: PbxUser): void {
    let users = this.pbxUsers.get(connectorId);
    if (!users) {
      users = new Map();
      this.pbxUsers.set(connectorId, users);
    }
    users.set(user.guid, user);
    const id = this.byPbx.get(connectorId)?.get(user.guid);
    const now = new Date().toISOString();
    const email = user.emails[0] ?? "";
    const displayName = user.cn || user.dn || user.h323;
    if (id) {
      const e = this.rows.get(id)!;
      if (
        e.displayName === displayName &&
        e.email === email &&
        e.h323 === user.h323 &&
        e.e164 === user.e164
      ) {
        return;
      }
      const next: StoredEndpoint = {
        ...e,
        displayName,
        email,
        h323: user.h323,
        e164: user.e164,
        updatedAt: now,
      };
      if (next.match === "auto" && this.directoryLoaded) next.teamsUserId = this.autoMatch(user.emails);
      this.put(next);
      return;
    }
    const e: StoredEndpoint = {
      id: `ep_${randomUUID()}`,
      connectorId,
      pbxGuid: user.guid,
      teamsUserId: this.autoMatch(user.emails),
      match: "auto",
      enabled: true,
      displayName,
      email,
      h323: user.h323,
      e164: user.e164,
      createdAt: now,
      updatedAt: now,
    };
    this.put(e); // its match is logged once it is stored
  }

  /** The PBX user is gone: the endpoint goes (nothing can be undone on a user that no longer exists). */
  onPbxUserRemoved(connectorId: string, guid: string): void {
    this.pbxUsers.get(connectorId)?.delete(guid);
    const id = this.byPbx.get(connectorId)?.get(guid);
    if (!id) return;
    const e = this.rows.get(id)!;
    this.drop(id);
    this.events.add({
      level: "info",
      kind: "endpoint.updated",
      connectorId,
      endpointId: id,
      message: `${e.displayName} was removed from the PBX; endpoint deleted`,
    });
  }

  /** Connector deleted: forget its endpoints (the caller released them first). */
  onConnectorRemoved(connectorId: string): void {
    for (const e of [...this.rows.values()]) if (e.connectorId === connectorId) this.drop(e.id, false);
    this.pbxUsers.delete(connectorId);
    this.byPbx.delete(connectorId);
    this.tally.delete(connectorId);
  }

  /** Fresh Teams directory: re-index and re-match every automatic endpoint. */
  setDirectory(users: TeamsUser[]): RematchResult {
    this.directory = [...users].sort((a, b) => a.displayName.localeCompare(b.displayName));
    this.index = indexDirectory(users);
    this.directoryLoaded = true;
    return this.rematch();
  }

  directoryUsers(query: { search?: string; offset?: number; limit?: number } = {}): Page<TeamsUser> {
    const s = query.search?.trim().toLowerCase();
    const items = s
      ? this.directory.filter((u) =>
          [u.displayName, u.mail ?? "", u.userPrincipalName].some((x) => x.toLowerCase().includes(s)),
        )
      : this.directory;
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.max(1, Math.min(500, query.limit ?? 50));
    return { items: items.slice(offset, offset + limit), total: items.length, offset, limit };
  }

  pbxUser(connectorId: string, guid: string): PbxUser | undefined {
    return this.pbxUsers.get(connectorId)?.get(guid);
  }

  // ------------------------------------------------------------ facade operations

  rematch(connectorId?: string): RematchResult {
    const result: RematchResult = { matched: 0, unmatched: 0, changed: 0 };
    const changed: StoredEndpoint[] = [];
    for (const e of this.rows.values()) {
      if (connectorId && e.connectorId !== connectorId) continue;
      if (e.match === "auto" && this.directoryLoaded) {
        const emails = this.pbxUser(e.connectorId, e.pbxGuid)?.emails ?? (e.email ? [e.email] : []);
        const teamsUserId = this.autoMatch(emails);
        if (teamsUserId !== e.teamsUserId) {
          changed.push({ ...e, teamsUserId, updatedAt: new Date().toISOString() });
          result.changed++;
        }
        if (teamsUserId) result.matched++;
        else result.unmatched++;
      } else if (e.teamsUserId) result.matched++;
      else result.unmatched++;
    }
    this.putMany(changed);
    for (const e of matchEvents(changed, (id) => this.teamsName(id))) this.events.add(e);
    return result;
  }

  list(query: EndpointListQuery = {}): Page<EndpointView> {
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.max(1, Math.min(500, query.limit ?? 50));
    const all = this.matching(query);
    return {
      items: all.slice(offset, offset + limit).map((e) => this.view(e)),
      total: all.length,
      offset,
      limit,
    };
  }

  /** The rows a list query selects (its filters, not its paging), in list order. */
  matching(query: EndpointListQuery): StoredEndpoint[] {
    const s = query.search?.trim().toLowerCase();
    const all = this.filter(query.connectorId, s).filter(
      (e) =>
        (query.enabled === undefined || e.enabled === query.enabled) &&
        (query.matched === undefined || !!e.teamsUserId === query.matched),
    );
    return all.sort(byListOrder);
  }

  get(id: string): EndpointView {
    const e = this.rows.get(id);
    if (!e) throw new HubError("NOT_FOUND", `endpoint ${id} not found`);
    return this.view(e);
  }

  tryView(id: string): EndpointView | undefined {
    const e = this.rows.get(id);
    return e ? this.view(e) : undefined;
  }

  async update(id: string, input: EndpointUpdateInput): Promise<EndpointView> {
    const e = this.rows.get(id);
    if (!e) throw new HubError("NOT_FOUND", `endpoint ${id} not found`);
    const next: StoredEndpoint = { ...e, updatedAt: new Date().toISOString() };
    const what: string[] = [];
    if (input.enabled !== undefined && input.enabled !== e.enabled) {
      next.enabled = input.enabled;
      what.push(input.enabled ? "enabled" : "disabled");
    }
    if (input.match === "auto") {
      next.match = "auto";
      const emails = this.pbxUser(e.connectorId, e.pbxGuid)?.emails ?? (e.email ? [e.email] : []);
      next.teamsUserId = this.directoryLoaded ? this.autoMatch(emails) : e.teamsUserId;
      what.push("automatic matching");
    } else if (input.teamsUserId !== undefined) {
      if (input.teamsUserId !== null && this.directoryLoaded && !this.index.byId.has(input.teamsUserId)) {
        throw new HubError("VALIDATION", `teamsUserId: no Teams user with id ${input.teamsUserId}`);
      }
      next.match = "manual";
      next.teamsUserId = input.teamsUserId;
      what.push(input.teamsUserId ? `mapped to ${this.teamsName(input.teamsUserId)}` : "manually unmapped");
    }
    await this.put(next, true);
    if (what.length) {
      this.events.add({
        level: "info",
        kind: "endpoint.updated",
        connectorId: e.connectorId,
        endpointId: id,
        message: `${e.displayName}: ${what.join(", ")}`,
      });
    }
    return this.view(next);
  }

  async bulkEnable(input: EndpointBulkEnableInput): Promise<{ updated: number }> {
    const targets = input.ids
      ? input.ids.map((id) => this.rows.get(id)).filter((e): e is StoredEndpoint => !!e)
      : this.filter(input.connectorId, input.search?.trim().toLowerCase());
    const changed = targets
      .filter((e) => e.enabled !== input.enabled)
      .map((e) => ({ ...e, enabled: input.enabled, updatedAt: new Date().toISOString() }));
    await this.putMany(changed, true);
    if (changed.length) {
      this.events.add({
        level: "info",
        kind: "endpoint.updated",
        message: `${changed.length} endpoint(s) ${input.enabled ? "enabled" : "disabled"}`,
      });
    }
    return { updated: changed.length };
  }

  ids(connectorId?: string): string[] {
    const out: string[] = [];
    for (const e of this.rows.values()) if (!connectorId || e.connectorId === connectorId) out.push(e.id);
    return out;
  }

  counts(connectorId: string): {
    users: number;
    endpoints: number;
    enabledEndpoints: number;
    matchedEndpoints: number;
  } {
    const t = this.tally.get(connectorId);
    return {
      users: this.pbxUsers.get(connectorId)?.size ?? 0,
      endpoints: t?.endpoints ?? 0,
      enabledEndpoints: t?.enabled ?? 0,
      matchedEndpoints: t?.matched ?? 0,
    };
  }

  totals(): { endpoints: number; enabled: number; matched: number } {
    const sum = { endpoints: 0, enabled: 0, matched: 0 };
    for (const t of this.tally.values()) {
      sum.endpoints += t.endpoints;
      sum.enabled += t.enabled;
      sum.matched += t.matched;
    }
    return sum;
  }

  /** Write buffered endpoint rows now (admin changes, tests, shutdown). */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  // ------------------------------------------------------------ internals

  private filter(connectorId: string | undefined, search: string | undefined): StoredEndpoint[] {
    const out: StoredEndpoint[] = [];
    for (const e of this.rows.values()) {
      if (connectorId && e.connectorId !== connectorId) continue;
      if (search) {
        const t = e.teamsUserId ? this.index.byId.get(e.teamsUserId) : undefined;
        const hay = [
          e.displayName,
          e.email,
          e.h323,
          e.e164,
          t?.displayName ?? "",
          t?.mail ?? "",
          t?.userPrincipalName ?? "",
        ];
        if (!hay.some((x) => x.toLowerCase().includes(search))) continue;
      }
      out.push(e);
    }
    return out;
  }

  private autoMatch(emails: readonly string[]): string | null {
    return matchTeamsUser(emails, this.index).user?.id ?? null;
  }

  private teamsName(id: string): string {
    const u = this.index.byId.get(id);
    return u ? `${u.displayName} <${u.mail ?? u.userPrincipalName}>` : id;
  }

  /** Store (synchronously for admin actions, batched for replication bursts) and update the core. */
  private put(e: StoredEndpoint, now = false): Promise<void> {
    return this.putMany([e], now);
  }

  private putMany(list: StoredEndpoint[], now = false): Promise<void> {
    if (list.length === 0) return Promise.resolve();
    const known: StoredEndpoint[] = [];
    for (const e of list) {
      if (!this.rows.has(e.id) || this.writer.isNew(e.id)) {
        // New endpoints (a replication burst) are written in one transaction on the next turn and only
        // then handed to the core, which may persist sync state for them (foreign key).
        this.indexPbx(e);
        this.writer.addNew(e);
      } else {
        known.push(e);
        this.writer.addChanged(e);
      }
      this.setRow(e);
    }
    for (const e of known) {
      this.core.upsertEndpoint(binding(e));
      this.events.endpointChanged(e.id);
    }
    return now ? this.flush() : Promise.resolve();
  }

  private setRow(e: StoredEndpoint): void {
    const before = this.rows.get(e.id);
    if (before) this.count(before, -1);
    this.rows.set(e.id, e);
    this.count(e, 1);
  }

  private count(e: StoredEndpoint, sign: 1 | -1): void {
    let t = this.tally.get(e.connectorId);
    if (!t) {
      t = { endpoints: 0, enabled: 0, matched: 0 };
      this.tally.set(e.connectorId, t);
    }
    t.endpoints += sign;
    if (e.enabled) t.enabled += sign;
    if (e.teamsUserId) t.matched += sign;
  }

  private indexPbx(e: StoredEndpoint): void {
    let ids = this.byPbx.get(e.connectorId);
    if (!ids) {
      ids = new Map();
      this.byPbx.set(e.connectorId, ids);
    }
    ids.set(e.pbxGuid, e.id);
  }

  private drop(id: string, deleteRow = true): void {
    const e = this.rows.get(id);
    if (!e) return;
    this.rows.delete(id);
    this.count(e, -1);
    this.byPbx.get(e.connectorId)?.delete(e.pbxGuid);
    this.writer.forget(id);
    this.core.removeEndpoint(id);
    if (deleteRow)
      this.store
        .write((w) => w.deleteEndpoint(id))
        .catch((e) => this.log.error({ endpointId: id, err: errorMessage(e) }, "endpoint row not deleted"));
  }

  view(e: StoredEndpoint): EndpointView {
    const info = this.connectorInfo(e.connectorId);
    return endpointView(e, {
      tenant: this.tenant,
      snap: this.core.snapshot(e.id),
      user: this.pbxUser(e.connectorId, e.pbxGuid),
      info,
      rules: info ? this.rules.get(info.type) : undefined,
      teamsUserKnown: !e.teamsUserId || !this.directoryLoaded || this.index.byId.has(e.teamsUserId),
    });
  }
}

/** The order of endpoint lists: by display name, then id. */
export function byListOrder(a: StoredEndpoint, b: StoredEndpoint): number {
  return a.displayName.localeCompare(b.displayName) || a.id.localeCompare(b.id);
}

function binding(e: StoredEndpoint) {
  return {
    id: e.id,
    connectorId: e.connectorId,
    pbxGuid: e.pbxGuid,
    teamsUserId: e.teamsUserId,
    enabled: e.enabled,
  };
}
