// Tenants (customers): the records, one running TenantRuntime per tenant, and their lifecycle — create
// (its own Microsoft 365 side starts, unconfigured), rename, delete (first undo what the hub set through
// the tenant's connectors and Teams sessions, like a connector delete, then remove its data). The default
// tenant exists in every installation and cannot be deleted: `/api/teams` and connectors created without a
// tenant belong to it. A tenant runs (is active) here either always (one instance) or while this instance
// holds its lease (several instances: server/cluster activates and deactivates it).
import { randomUUID } from "node:crypto";
import { HubError } from "../../common/errors.js";
import { validateInput } from "../../common/validation.js";
import { DEFAULT_TENANT, type HubStore, type StoredTenant } from "../store/types.js";
import type { ConnectorManager } from "./connectors.js";
import type { EventLog } from "./events.js";
import type { HubMetrics } from "./metrics.js";
import { TenantCreateInput, TenantUpdateInput } from "./schemas.js";
import type { TenantPlacement, TenantRuntime } from "./tenant-runtime.js";
import type { TenantView } from "./types.js";

export interface TenantDeps {
  store: HubStore;
  events: EventLog;
  metrics: HubMetrics;
  connectors: () => ConnectorManager;
  openRuntime(id: string, placement: TenantPlacement): Promise<TenantRuntime>;
  /** One instance: every tenant runs here. Otherwise a coordinator activates the ones this instance owns. */
  runsEveryTenant: boolean;
  /** Bound of the Teams-session undo when a tenant is deleted. */
  undoTimeoutMs: number;
}

export class TenantManager {
  private readonly runtimes = new Map<string, TenantRuntime>();
  /** Activations and deactivations under way, one at a time per tenant. */
  private readonly transitions = new Map<string, Promise<void>>();
  private readonly changeListeners = new Set<() => void>();

  constructor(private readonly d: TenantDeps) {}

  /** One instance: activate every stored tenant. */
  async startAll(): Promise<void> {
    for (const t of this.d.store.listTenants()) await this.activate(t.id);
  }

  /**
   * Run the tenant here: read its state, start its Microsoft 365 side, then its connectors (Teams first: a
   * PBX adapter that synchronizes before Teams is attached would see "no Teams" and clear what the hub set).
   */
  activate(id: string, placement: TenantPlacement = {}): Promise<void> {
    return this.transition(id, async () => {
      if (this.runtimes.has(id) || !this.d.store.getTenant(id)) return;
      const r = await this.d.openRuntime(id, placement);
      this.runtimes.set(id, r);
      await r.teams.start();
      this.d.connectors().startTenant(id);
    });
  }

  /** Stop running the tenant here without undoing anything (another instance carries on). */
  deactivate(id: string): Promise<void> {
    return this.transition(id, async () => {
      const r = this.runtimes.get(id);
      if (!r) return;
      await this.d.connectors().stopTenant(id);
      this.runtimes.delete(id);
      await r.stop();
      this.d.metrics.setTeamsState(id, null);
    });
  }

  isActive(id: string): boolean {
    return this.runtimes.has(id);
  }

  /** Tenants were created or deleted here (a coordinator looks for work at once). */
  onChanged(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private transition(id: string, fn: () => Promise<void>): Promise<void> {
    const run = (this.transitions.get(id) ?? Promise.resolve()).then(fn);
    const settled = run.catch(() => undefined);
    this.transitions.set(id, settled);
    void settled.then(() => {
      if (this.transitions.get(id) === settled) this.transitions.delete(id);
    });
    return run;
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
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
    await this.d.store.write((w) => w.putTenant({ id, name, createdAt: now, updatedAt: now }));
    if (this.d.runsEveryTenant) await this.activate(id);
    this.changed();
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
      const name = input.name.trim();
      await this.d.store.write((w) => w.putTenant({ ...t, name, updatedAt: new Date().toISOString() }));
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
    const r = this.runtime(id); // several instances: the request was handed to the tenant's owner
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
    await this.d.events.flush();
    await this.d.store.write((w) => w.deleteTenant(id));
    this.d.metrics.setTeamsState(id, null);
    this.changed();
    // Logged hub-wide: the tenant's own events went with it.
    this.d.events.add({
      level: "info",
      kind: "tenant.deleted",
      message: `Tenant "${t.name}" (${id}) deleted`,
    });
  }

  // ------------------------------------------------------------ internals

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
