// PBX connectors: stored records (secrets in the encrypted secrets table), one running adapter per enabled
// and configured connector (from the vendor module the rule set's `adapter` field names), status for the
// Status column, connection tests with unsaved settings, and the lifecycle rules: disabling or deleting
// first undoes what the hub set through the connector (bounded), then disconnects.
import { randomUUID } from "node:crypto";
import { errorMessage, HubError } from "../../common/errors.js";
import { type Logger, logger } from "../../common/log.js";
import { withTimeout } from "../../common/timeout.js";
import { validateInput } from "../../common/validation.js";
import type { ConnectionTestResult, ConnectorStatus, PbxAdapter } from "../../engine/ports/adapters.js";
import { runConnectionTest } from "../../engine/ports/connection-test.js";
import type { RuleSetSource } from "../../engine/rules/types.js";
import { holdsPbx, type SyncCore } from "../../engine/sync/core.js";
import { DEFAULT_TENANT, type HubStore, type StoredConnector } from "../store/types.js";
import type { EndpointDirectory } from "./endpoints.js";
import { checkSecretTargets, connectorSecretName, typedSecrets } from "./connector-secrets.js";
import { statusEventLevel, type TenantEvents } from "./events.js";
import type { HubMetrics } from "./metrics.js";
import { mergeConfig, withSecrets } from "./pbx-config.js";
import {
  allSecretFields,
  ConnectorCreateInput,
  ConnectorTestInput,
  ConnectorUpdateInput,
  type InstalledPbxModule,
  pbxModuleFor,
} from "./pbx-modules.js";
import type { ConnectorView, HubStreamMessage, PbxAdapterFactory } from "./types.js";

interface Running {
  adapter: PbxAdapter;
  /** The core it is attached to (its tenant's). */
  core: SyncCore;
  unsubscribe: (() => void)[];
}

/** What a connector runs in: its tenant's sync core, endpoint directory and event log. */
export interface ConnectorTenant {
  core: SyncCore;
  endpoints: EndpointDirectory;
  events: TenantEvents;
}

export interface ConnectorDeps {
  store: HubStore;
  /** The running parts of a tenant (throws NOT_FOUND for an unknown one, or one running on another instance). */
  tenant(id: string): ConnectorTenant;
  /** Whether the tenant runs on this instance. */
  isActive(id: string): boolean;
  rules: RuleSetSource;
  /** Hub-wide stream (connector views are published to every listener; routes filter by tenant). */
  publish(m: HubStreamMessage): void;
  metrics: HubMetrics;
  log: Logger;
  /** Replace a module's create/test by kind (tests and benchmarks wrap the real adapters). */
  factories: Record<string, PbxAdapterFactory>;
  undoTimeoutMs: number;
}

function status(state: ConnectorStatus["state"], reason: string): ConnectorStatus {
  return { state, reason, since: new Date().toISOString() };
}

export class ConnectorManager {
  private readonly running = new Map<string, Running>();
  /** Synthetic status of connectors without a running adapter (disabled, not configured, type missing). */
  private readonly idleStatus = new Map<string, ConnectorStatus>();
  private readonly lastState = new Map<string, string>();

  constructor(private readonly d: ConnectorDeps) {}

  /** Start every connector of a tenant (its runtime was just opened here). */
  startTenant(tenant: string): void {
    for (const c of this.d.store.listConnectors(tenant)) this.start(c);
  }

  /** Stop a tenant's connectors without undoing (the tenant moves to another instance, or the hub stops). */
  async stopTenant(tenant: string): Promise<void> {
    const ids = this.d.store.listConnectors(tenant).map((c) => c.id);
    await Promise.all(ids.map((id) => this.stop(id, false)));
    for (const id of ids) {
      this.idleStatus.delete(id);
      this.lastState.delete(id);
    }
  }

  info(id: string) {
    const c = this.d.store.getConnector(id);
    if (!c) return undefined;
    return {
      name: c.name,
      type: c.type,
      defaultDestination: c.config.defaultDestination,
      online: this.status(id).state === "online",
      cfbWritable: this.running.get(id)?.adapter.cfbWritable() ?? true,
    };
  }

  list(tenant?: string): ConnectorView[] {
    return this.d.store.listConnectors(tenant).map((c) => this.view(c));
  }

  /** Stop and delete every connector of a tenant, undoing what the hub set through each (tenant delete). */
  async removeAll(tenant: string): Promise<void> {
    for (const c of this.d.store.listConnectors(tenant)) await this.remove(c.id);
  }

  get(id: string): ConnectorView {
    return this.view(this.require(id));
  }

  async create(input: ConnectorCreateInput): Promise<ConnectorView> {
    validateInput(ConnectorCreateInput, input);
    const rs = this.d.rules.get(input.type);
    if (!rs) {
      throw new HubError(
        "VALIDATION",
        `type: unknown connector type "${input.type}" (no valid rule set loaded)`,
      );
    }
    const m = pbxModuleFor(rs.adapter);
    if (!m) {
      throw new HubError(
        "VALIDATION",
        `type: connector type "${input.type}" needs adapter "${rs.adapter}", which is not installed`,
      );
    }
    validateInput(m.inputs.create, input);
    const now = new Date().toISOString();
    const tenant = input.tenant ?? DEFAULT_TENANT;
    this.d.tenant(tenant); // an unknown tenant is NOT_FOUND before anything is stored
    const c: StoredConnector = {
      id: randomUUID().slice(0, 8),
      tenant,
      type: input.type,
      name: input.name.trim(),
      description: input.description ?? "",
      enabled: input.enabled ?? true,
      config: mergeConfig(m.defaults, input.config, m.module.secretFields),
      createdAt: now,
      updatedAt: now,
    };
    await this.d.store.write((w) => {
      w.putConnector(c);
      // A new connector stores only the secrets typed in (an empty one is no secret).
      for (const [field, value] of typedSecrets(m, input.config)) {
        if (value) w.setSecret(connectorSecretName(c.id, field), value);
      }
    });
    this.events(c).add({
      level: "info",
      kind: "connector.created",
      connectorId: c.id,
      message: `Connector "${c.name}" (${c.type}) created`,
    });
    this.start(c);
    return this.publish(c.id);
  }

  async update(id: string, input: ConnectorUpdateInput): Promise<ConnectorView> {
    validateInput(ConnectorUpdateInput, input);
    const old = this.require(id);
    const m = input.config === undefined ? undefined : this.vendorOf(old);
    if (m) validateInput(m.inputs.update, input);
    const secrets = m ? typedSecrets(m, input.config) : [];
    const next: StoredConnector = {
      ...old,
      name: input.name?.trim() ?? old.name,
      description: input.description ?? old.description,
      config: m ? mergeConfig(old.config, input.config, m.module.secretFields) : old.config,
      updatedAt: new Date().toISOString(),
    };
    if (m) checkSecretTargets(this.d.store, m, old, next.config, secrets);
    const configChanged = JSON.stringify(next.config) !== JSON.stringify(old.config) || secrets.length > 0;
    await this.d.store.write((w) => {
      w.putConnector(next);
      for (const [field, value] of secrets) w.setSecret(connectorSecretName(id, field), value);
    });
    this.events(next).add({
      level: "info",
      kind: "connector.updated",
      connectorId: id,
      message: `Connector "${next.name}" saved`,
    });
    if (input.enabled !== undefined && input.enabled !== old.enabled)
      return this.setEnabled(id, input.enabled);
    // New settings: reconnect. Same PBX: without undoing (the persisted hub-set state carries over). Another
    // PBX (one of the module's identity fields changed, e.g. address, port or module): undo on the old one
    // first (bounded, like disabling), or its hub slot and CFB entries would stay there for good and the new
    // PBX would be written as if it had them.
    if (configChanged && next.enabled && m) {
      const cfg = (x: StoredConnector) => x.config as Record<string, unknown>;
      const otherPbx = m.module.identityFields.some(
        (k) => JSON.stringify(cfg(next)[k]) !== JSON.stringify(cfg(old)[k]),
      );
      await this.stop(id, otherPbx);
      if (otherPbx) this.unrelease(next);
      this.start(next);
    }
    return this.publish(id);
  }

  async setEnabled(id: string, enabled: boolean): Promise<ConnectorView> {
    const c = this.require(id);
    if (c.enabled !== enabled) {
      const next = { ...c, enabled, updatedAt: new Date().toISOString() };
      await this.d.store.write((w) => w.putConnector(next));
      this.events(c).add({
        level: "info",
        kind: "connector.updated",
        connectorId: id,
        message: `Connector "${c.name}" ${enabled ? "enabled" : "disabled"}`,
      });
      if (enabled) {
        this.unrelease(next);
        this.start(next);
      } else {
        await this.stop(id, true);
        this.start(next); // records the "Disabled" status
      }
    }
    return this.publish(id);
  }

  async remove(id: string): Promise<void> {
    const c = this.require(id);
    // A disabled connector may still have hub-set state on its PBX (its undo could not finish when it was
    // disabled). Deleting is the last chance to undo it: connect once more so the release can.
    const t = this.d.tenant(c.tenant);
    const ids = t.endpoints.ids(id);
    const leftover = ids.some((e) => {
      const hub = t.core.snapshot(e)?.hub;
      return hub !== undefined && holdsPbx(hub);
    });
    if (!c.enabled && leftover) this.start({ ...c, enabled: true });
    await this.stop(id, true, true);
    t.endpoints.onConnectorRemoved(id);
    await this.d.store.write((w) => w.deleteConnector(id));
    this.idleStatus.delete(id);
    this.lastState.delete(id);
    this.d.metrics.setConnectorState(c.tenant, id, null);
    t.events.add({
      level: "info",
      kind: "connector.deleted",
      connectorId: id,
      message: `Connector "${c.name}" deleted`,
    });
  }

  async refresh(id: string): Promise<ConnectorView> {
    const c = this.require(id);
    await this.stop(id, false);
    this.start(c);
    return this.publish(id);
  }

  async test(input: ConnectorTestInput): Promise<ConnectionTestResult> {
    validateInput(ConnectorTestInput, input);
    const saved = input.id ? this.require(input.id) : undefined;
    const type = input.type ?? saved?.type;
    if (!type) throw new HubError("VALIDATION", "type: required when testing an unsaved connector");
    const rs = this.d.rules.get(type);
    if (!rs) throw new HubError("VALIDATION", `type: unknown connector type "${type}"`);
    const m = pbxModuleFor(rs.adapter);
    const factory = m && this.factoryOf(m);
    if (!m || !factory)
      throw new HubError("CONFIG_INVALID", `no adapter "${rs.adapter}" for connector type ${type}`);
    validateInput(m.inputs.test, input);
    // Unsaved settings merged onto the saved ones, including the stored secrets when none were typed — but
    // only while the settings still point where the secrets were saved for.
    const typed = new Map(typedSecrets(m, input.config));
    const merged = mergeConfig(saved?.config ?? m.defaults, input.config, m.module.secretFields);
    if (saved) checkSecretTargets(this.d.store, m, saved, merged, [...typed]);
    const config = withSecrets(
      merged,
      m.module.secretFields,
      (field) =>
        typed.get(field) ?? (saved ? this.d.store.getSecret(connectorSecretName(saved.id, field)) : undefined),
    );
    return runConnectionTest(() => factory.test(config));
  }

  /** A rule set (re)loaded: start connectors of that type that could not start without it. */
  onRulesSwapped(type: string): void {
    for (const c of this.d.store.listConnectors()) {
      if (c.type === type && c.enabled && !this.running.has(c.id)) this.start(c);
    }
  }

  status(id: string): ConnectorStatus {
    const r = this.running.get(id);
    return r ? r.adapter.status() : (this.idleStatus.get(id) ?? status("offline", "Not started"));
  }

  adapter(id: string): PbxAdapter | undefined {
    return this.running.get(id)?.adapter;
  }

  /** Graceful stop of everything (the hub's close; undo happens before, for all endpoints at once). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stop(id, false)));
  }

  // ------------------------------------------------------------ internals

  /** The vendor of a saved connector: its type's module (the only one while the type has no rule set). */
  private vendorOf(c: StoredConnector): InstalledPbxModule {
    const rs = this.d.rules.get(c.type);
    const m = pbxModuleFor(rs?.adapter);
    if (!m) {
      throw new HubError(
        "VALIDATION",
        rs
          ? `config: adapter "${rs.adapter}" of connector type ${c.type} is not installed`
          : `config: connector type ${c.type} has no valid rule set, so its settings cannot be checked`,
      );
    }
    return m;
  }

  /** The event log of the connector's tenant. */
  private events(c: StoredConnector): TenantEvents {
    return this.d.tenant(c.tenant).events;
  }

  /** Lift the release of the connector's endpoints (enabled again, or pointed at another PBX). */
  private unrelease(c: StoredConnector): void {
    const t = this.d.tenant(c.tenant);
    t.core.unrelease(t.endpoints.ids(c.id));
  }

  /** A module's adapter factory, or the replacement the hub was opened with. */
  private factoryOf(m: InstalledPbxModule): PbxAdapterFactory {
    return this.d.factories[m.module.kind] ?? (m.module as unknown as PbxAdapterFactory);
  }

  private require(id: string): StoredConnector {
    const c = this.d.store.getConnector(id);
    if (!c) throw new HubError("NOT_FOUND", `connector ${id} not found`);
    return c;
  }

  private view(c: StoredConnector): ConnectorView {
    const rs = this.d.rules.get(c.type);
    // A view shows whether each secret is stored, never the secret (of every vendor while the type's is unknown).
    const secrets = pbxModuleFor(rs?.adapter)?.module.secretFields ?? allSecretFields;
    const flags = Object.fromEntries(
      secrets.map((f) => [`${f}Set`, this.d.store.getSecret(connectorSecretName(c.id, f)) !== undefined]),
    );
    return {
      ...c,
      config: { ...c.config, ...flags } as ConnectorView["config"],
      status: this.status(c.id),
      // A tenant running on another instance has its counts there (several instances hand such requests on).
      counts: this.d.isActive(c.tenant)
        ? this.d.tenant(c.tenant).endpoints.counts(c.id)
        : { users: 0, endpoints: 0, enabledEndpoints: 0, matchedEndpoints: 0 },
      ruleSet: rs ? { id: rs.id, title: rs.title, revision: rs.revision } : null,
    };
  }

  private publish(id: string): ConnectorView {
    const v = this.get(id);
    this.d.publish({ type: "connector", connector: v });
    return v;
  }

  private setIdle(c: StoredConnector, st: ConnectorStatus): void {
    this.idleStatus.set(c.id, st);
    this.onStatus(c, st);
  }

  private start(c: StoredConnector): void {
    if (this.running.has(c.id)) return;
    if (!c.enabled) {
      this.setIdle(c, status("offline", "Disabled"));
      return;
    }
    const rs = this.d.rules.get(c.type);
    if (!rs) {
      this.setIdle(c, status("error", `Connector type ${c.type} has no valid rule set`));
      return;
    }
    const m = pbxModuleFor(rs.adapter);
    const factory = m && this.factoryOf(m);
    if (!m || !factory) {
      this.setIdle(c, status("error", `No adapter "${rs.adapter}" is installed for type ${c.type}`));
      return;
    }
    const config = withSecrets(c.config, m.module.secretFields, (f) =>
      this.d.store.getSecret(connectorSecretName(c.id, f)),
    );
    if (!m.module.isConfigured(config)) {
      this.setIdle(c, status("offline", `Not configured: ${m.module.notConfiguredHint}`));
      return;
    }
    let adapter: PbxAdapter;
    try {
      adapter = factory.create(config, {
        connectorId: c.id,
        log: logger(m.module.kind, { connectorId: c.id }),
      });
    } catch (e) {
      this.setIdle(c, status("error", errorMessage(e)));
      return;
    }
    this.idleStatus.delete(c.id);
    const t = this.d.tenant(c.tenant);
    const endpoints = t.endpoints;
    const unsubscribe = [
      adapter.on("status", (st) => this.onStatus(c, st)),
      adapter.on("user", (u) => endpoints.onPbxUser(c.id, u)),
      adapter.on("userRemoved", (guid) => endpoints.onPbxUserRemoved(c.id, guid)),
    ];
    this.running.set(c.id, { adapter, core: t.core, unsubscribe });
    // The core subscribes after the directory, so a replicated user has its endpoint before its first event.
    t.core.addConnector({
      id: c.id,
      type: c.type,
      adapter,
      defaultDestination: c.config.defaultDestination,
    });
    this.onStatus(c, adapter.status());
    try {
      adapter.start();
      for (const u of adapter.users()) endpoints.onPbxUser(c.id, u);
    } catch (e) {
      this.d.log.error({ connectorId: c.id, err: errorMessage(e) }, "adapter start failed");
    }
  }

  /** Undo (optionally, bounded) and disconnect. */
  private async stop(id: string, undo: boolean, deleting = false): Promise<void> {
    const r = this.running.get(id);
    const c = this.d.store.getConnector(id);
    const t = c && this.d.tenant(c.tenant);
    if (undo && t) {
      const ids = t.endpoints.ids(id);
      if (r && ids.length) {
        const left = await t.core.release(ids, this.d.undoTimeoutMs);
        t.events.add({
          level: left.length ? "warn" : "info",
          kind: "undo",
          connectorId: id,
          message: left.length
            ? deleting
              ? `Undo incomplete for ${left.length} endpoint(s) within ${this.d.undoTimeoutMs} ms; their PBX presence "${r.adapter.hubContact}" may remain (Teams sessions expire on their own)`
              : `Undo incomplete for ${left.length} endpoint(s) within ${this.d.undoTimeoutMs} ms; the hub will undo when the connector is enabled again`
            : `Undid what the hub set for ${ids.length} endpoint(s)`,
          ...(left.length ? { details: { endpoints: left.slice(0, 100) } } : {}),
        });
      } else if (ids.length) {
        // No adapter: the PBX side cannot be undone now; the released state still clears Teams sessions.
        const left = await t.core.release(ids, Math.min(1000, this.d.undoTimeoutMs));
        if (left.length && deleting) {
          t.events.add({
            level: "warn",
            kind: "undo",
            connectorId: id,
            message: `Could not connect to undo for ${left.length} endpoint(s); what the hub set on that PBX may remain`,
            details: { endpoints: left.slice(0, 100) },
          });
        }
      }
    }
    if (!r) return;
    this.running.delete(id);
    for (const u of r.unsubscribe) u();
    r.core.removeConnector(id);
    try {
      await withTimeout(r.adapter.stop(), 5000);
    } catch (e) {
      this.d.log.warn({ connectorId: id, err: errorMessage(e) }, "adapter stop failed");
    }
  }

  private onStatus(c: StoredConnector, st: ConnectorStatus): void {
    this.d.metrics.setConnectorState(c.tenant, c.id, st.state);
    const key = `${st.state}|${st.reason}`;
    if (this.lastState.get(c.id) === key) return;
    this.lastState.set(c.id, key);
    this.events(c).add({
      level: statusEventLevel(st.state),
      kind: "connector.status",
      connectorId: c.id,
      message: `${c.name}: ${st.state}${st.reason ? ` — ${st.reason}` : ""}`,
    });
    if (this.d.store.getConnector(c.id)) this.d.publish({ type: "connector", connector: this.get(c.id) });
  }
}
