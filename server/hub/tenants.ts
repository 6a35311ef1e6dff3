// Tenants (customers): the records, one running TenantRuntime per tenant, and their lifecycle — create
// (its own Microsoft 365 side starts, unconfigured), rename, delete (first undo what the hub set through
// the tenant's connectors and Teams sessions, like a connector delete, then remove its data). The default
// tenant exists in every installation and cannot be deleted: `/api/teams` and connectors created without a
// tenant belong to it.
import { randomUUID } from "node:crypto";
import { HubError } from "../../common/errors.js";
import { validateInput } from "../../common/validation.js";
import { DEFAULT_TENANT, type HubStore, type StoredTenant } from "../store/types.js";
import type { ConnectorManager } from "./connectors.js";
import type { EventLog } from "./events.js";
import type { HubMetrics } from "./metrics.js";
import { TenantCreateInput, TenantUpdateInput } from "./schemas.js";
import type { TenantRuntime } from "./tenant-runtime.js";
import type { TenantView } from "./types.js";

export interface TenantDeps {
  store: HubStore;
  events: EventLog;
  metrics: HubMetrics;
  connectors: () => ConnectorManager;
  makeRuntime(id: string): TenantRuntime;
  /** Bound of the Teams-session undo when a tenant is deleted. */
  undoTimeoutMs: number;
}

export class TenantManager {
  private readonly runtimes = new Map<string, TenantRuntime>();

  constructor(private readonly d: TenantDeps) {}

  /** Create the runtime of every stored tenant and start its Microsoft 365 side. */
  startAll(): void {
    for (const t of this.d.store.listTenants()) this.open(t.id).teams.start();
  }

  /** The running parts of a tenant; NOT_FOUND for an unknown one. */
  runtime(id: string): TenantRuntime {
    const r = this.runtimes.get(id);
    if (!r) throw new HubError("NOT_FOUND", `tenant ${id} not found`);
    return r;
  }

  all(): TenantRuntime[] {
    return [...this.runtimes.values()];
  }

  list(): TenantView[] {
    return this.d.store.listTenants().map((t) => this.view(t));
  }

  get(id: string): TenantView {
    return this.view(this.require(id));
  }

  async create(input: { id?: string; name: string }): Promise<TenantView> {
    validateInput(TenantCreateInput, input);
    const name = input.name.trim();
    const id = input.id ?? this.freeId(name);
    if (this.d.store.getTenant(id)) throw new HubError("CONFLICT", `id: a tenant "${id}" exists already`);
    const now = new Date().toISOString();
    this.d.store.putTenant({ id, name, createdAt: now, updatedAt: now });
    this.open(id).teams.start();
    this.d.events.add({
      level: "info",
      kind: "tenant.created",
      tenant: id,
      message: `Tenant "${name}" created`,
    });
    return this.get(id);
  }

  async update(id: string, input: { name?: string }): Promise<TenantView> {
    validateInput(TenantUpdateInput, input);
    const t = this.require(id);
    if (input.name !== undefined && input.name.trim() !== t.name) {
      this.d.store.putTenant({ ...t, name: input.name.trim(), updatedAt: new Date().toISOString() });
      this.d.events.add({
        level: "info",
        kind: "tenant.updated",
        tenant: id,
        message: `Tenant renamed to "${input.name.trim()}"`,
      });
    }
    return this.get(id);
  }

  /** Undo through its connectors and Teams sessions (bounded), then delete the tenant and its data. */
  async remove(id: string): Promise<void> {
    const t = this.require(id);
    if (id === DEFAULT_TENANT) throw new HubError("CONFLICT", "the default tenant cannot be deleted");
    const r = this.runtime(id);
    await this.d.connectors().removeAll(id);
    const left = await r.core.releaseTeams(this.d.undoTimeoutMs);
    if (left) {
      this.d.events.add({
        level: "warn",
        kind: "undo",
        message: `Tenant "${t.name}": ${left} Teams session(s) could not be cleared; they expire on their own`,
      });
    }
    await r.stop();
    this.runtimes.delete(id);
    // The undo's own events (write.pbx, cfb.removed, connector.deleted …) are still in the log's buffer:
    // stored after the delete they would outlive the tenant (and show up under a new tenant of that id).
    this.d.events.flush();
    this.d.store.deleteTenant(id);
    this.d.metrics.setTeamsState(id, null);
    // Logged hub-wide: the tenant's own events went with it.
    this.d.events.add({
      level: "info",
      kind: "tenant.deleted",
      message: `Tenant "${t.name}" (${id}) deleted`,
    });
  }

  // ------------------------------------------------------------ internals

  private open(id: string): TenantRuntime {
    let r = this.runtimes.get(id);
    if (!r) {
      r = this.d.makeRuntime(id);
      this.runtimes.set(id, r);
    }
    return r;
  }

  private require(id: string): StoredTenant {
    const t = this.d.store.getTenant(id);
    if (!t) throw new HubError("NOT_FOUND", `tenant ${id} not found`);
    return t;
  }

  /** A readable id from the name ("Acme GmbH" → "acme-gmbh"), made unique; random when the name has none. */
  private freeId(name: string): string {
    const base =
      name
        .normalize("NFKD")
        .replace(/[\u0300-\u036f]/g, "")
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 40) || `tenant-${randomUUID().slice(0, 8)}`;
    let id = base;
    for (let n = 2; this.d.store.getTenant(id); n++) id = `${base}-${n}`;
    return id;
  }

  private view(t: StoredTenant): TenantView {
    const r = this.runtimes.get(t.id);
    const teams = r?.teams.get();
    const connectors = this.d.connectors().list(t.id);
    const totals = r?.endpoints.totals() ?? { endpoints: 0, enabled: 0, matched: 0 };
    return {
      ...t,
      teams: teams
        ? { configured: teams.configured, state: teams.status.state, reason: teams.status.reason }
        : { configured: false, state: "offline", reason: "Not started" },
      counts: {
        connectors: connectors.length,
        connectorsOnline: connectors.filter((c) => c.status.state === "online").length,
        endpoints: totals.endpoints,
        matchedEndpoints: totals.matched,
      },
    };
  }
}
