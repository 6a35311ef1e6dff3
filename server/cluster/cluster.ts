// Several instances on one PostgreSQL store, as one object for the runner (run-hub.ts): the coordinator
// hands this instance the tenants it owns (the hub's tenant control), the HTTP side hands requests,
// Graph notifications and sign-in callbacks to the instance running their tenant, the live relay brings
// every instance's UI messages to every stream, and the stop decides between handing the tenants over (a
// live peer takes them at once, nothing is undone) and undoing (the last instance, or a stop configured
// to undo).
import type { FastifyRequest } from "fastify";
import type { Registry } from "prom-client";
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { ClusterHttp } from "../app.js";
import type { TenantControl } from "../hub/hub.js";
import type { HubStreamMessage } from "../hub/types.js";
import type { PgStore } from "../store/postgres.js";
import { Coordinator, type OwnershipView } from "./coordinator.js";
import { LiveRelay } from "./live-relay.js";
import { registerClusterMetrics } from "./metrics.js";
import { callPeer, HOP_HEADER } from "./peer-http.js";
import { clusterRouting } from "./routing.js";

/** How long a stop waits for the peers to take its tenants before it undoes them itself. */
const HANDOVER_WAIT_MS = 5000;

export const tenantResource = (tenant: string) => `tenant:${tenant}`;
const tenantOf = (resource: string) => resource.slice("tenant:".length);

export interface ClusterOptions {
  store: PgStore;
  tenants: TenantControl;
  instance: { id: string; version: string };
  leaseMs: number;
  log: Logger;
  /** Names events for streams elsewhere (endpoint names live with the tenant's owner). */
  name?: (m: HubStreamMessage) => HubStreamMessage;
  /** The hub's metrics registry: the cluster gauges join it (this instance's /metrics). */
  metrics?: Registry;
}

export class Cluster {
  readonly coordinator: Coordinator;
  private readonly relay: LiveRelay;
  private readonly unsubscribe: (() => void)[] = [];
  private url: string | null = null;

  constructor(private readonly o: ClusterOptions) {
    const instance = { ...o.instance, url: null as string | null };
    this.relay = new LiveRelay({
      store: o.store,
      hub: o.tenants,
      instanceId: o.instance.id,
      name: o.name,
      log: o.log,
    });
    this.coordinator = new Coordinator({
      pool: o.store.pool,
      listener: o.store.listener,
      instance,
      log: o.log,
      ttlMs: o.leaseMs,
      streamClients: () => this.relay.localListeners(),
      onTick: () => this.relay.setActive(this.coordinator.peersStreaming()),
      work: {
        resources: () => o.tenants.tenants().map(tenantResource),
        activate: (resource, fence) =>
          o.tenants.activate(tenantOf(resource), {
            fence,
            // A refused save means the lease is gone: let the coordinator see it now, not at the next tick.
            onFenced: () => this.coordinator.tickSoon(),
          }),
        deactivate: (resource) => o.tenants.deactivate(tenantOf(resource)),
      },
    });
    this.instanceRef = instance;
    if (o.metrics) registerClusterMetrics(o.metrics, () => this.view());
  }

  private readonly instanceRef: { url: string | null };

  /** Join the cluster, reachable by the peers at `url` (the HTTP server listens already). */
  async start(url: string): Promise<void> {
    this.url = url;
    this.instanceRef.url = url;
    // A tenant created or deleted here or elsewhere: look for work now.
    this.unsubscribe.push(
      this.o.tenants.onChanged(() => this.coordinator.tickSoon()),
      // A UI stream opened or closed here: the peers learn it with the next heartbeat, sent now.
      this.o.tenants.onStreamListeners(() => this.coordinator.streamsChanged()),
      this.o.store.onExternalChange((tables) => {
        if (tables.includes("tenants")) this.coordinator.tickSoon();
      }),
    );
    await this.relay.start();
    await this.coordinator.start();
  }

  get instanceId(): string {
    return this.o.instance.id;
  }

  /** Whether the tenant runs here now. */
  owns(tenant: string): boolean {
    return this.coordinator.owns(tenantResource(tenant));
  }

  /** The live instance running the tenant (this one included), or undefined while nobody does. */
  ownerOf(tenant: string): { id: string; url: string | null } | undefined {
    return this.coordinator.ownerOf(tenantResource(tenant));
  }

  /** The owner as the database says now (not as of the last tick). */
  async freshOwnerOf(tenant: string): Promise<{ id: string; url: string | null } | undefined> {
    await this.coordinator.refresh().catch(() => undefined);
    return this.ownerOf(tenant);
  }

  view(): OwnershipView & { storeReachable: boolean } {
    return { ...this.coordinator.view(), storeReachable: this.coordinator.reachable };
  }

  /** The HTTP side (app.ts): requests, notifications and callbacks to the instance running their tenant. */
  http(): ClusterHttp {
    const self = () => this.url ?? "";
    const handedOn = (req: FastifyRequest) => req.headers[HOP_HEADER] !== undefined;
    const routing = clusterRouting({ cluster: this, store: this.o.store, selfUrl: self });
    return {
      preHandler: (request, reply) => routing.preHandler(request, reply),
      webhook: {
        handedOn,
        // Items of tenants running elsewhere: to every live peer; each keeps what its adapters own.
        forward: (req, _kind, body) => {
          for (const p of this.coordinator.peers()) {
            if (!p.url) continue;
            void fetch(`${p.url}${req.url}`, {
              method: "POST",
              headers: { "content-type": "application/json", [HOP_HEADER]: this.instanceId },
              body: JSON.stringify(body),
              signal: AbortSignal.timeout(10_000),
            }).catch((e) =>
              this.o.log.debug({ peer: p.id, err: errorMessage(e) }, "notifications not handed on"),
            );
          }
        },
      },
      signIn: {
        handedOn,
        ask: async (request) => {
          for (const p of this.coordinator.peers()) {
            if (!p.url) continue;
            const r = await callPeer(p.url, request, this.instanceId).catch(() => undefined);
            const location = r?.status === 302 ? r.headers.get("location") : null;
            if (location) return { location };
          }
          return undefined;
        },
      },
      health: () => ({ ok: this.coordinator.reachable, details: { ...this.view() } }),
    };
  }

  /**
   * Before the hub closes. Returns whether the hub must undo: not when live peers took every tenant over
   * (unless `undo` forces it); yes for the last instance, and for the tenants no peer took (the peers stopped
   * at the same moment): those run here again for the undo.
   */
  async stop(o: { undo: boolean }): Promise<{ undo: boolean }> {
    for (const u of this.unsubscribe) u();
    this.relay.stop();
    // First say "stopping": a peer stopping at the same moment then does not count on this one.
    await this.coordinator.beginStop();
    if (o.undo) {
      this.o.log.info("stopping with undo (configured)");
      return { undo: true };
    }
    if (!(await this.coordinator.peerAlive())) {
      this.o.log.info("stopping: last instance, undoing what the hub set");
      return { undo: true };
    }
    this.o.log.info("stopping: handing every tenant over to a live instance (nothing undone)");
    const back = await this.coordinator.handOver(HANDOVER_WAIT_MS);
    return { undo: back.length > 0 };
  }

  /** After the hub undid and closed: give the leases up. */
  async release(): Promise<void> {
    await this.coordinator
      .stop()
      .catch((e) =>
        this.o.log.warn({ err: errorMessage(e) }, "leases not released; they run out on their own"),
      );
  }
}
