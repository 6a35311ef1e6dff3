// Live UI messages across instances: what one instance publishes (events, connector and Microsoft 365
// status, endpoint updates) reaches the streams open on the others, through PostgreSQL NOTIFY. Only while
// a peer has a stream open (told with its heartbeat): nobody watching, nothing sent. Messages are batched
// per 50 ms into notifications below PostgreSQL's 8000-byte payload limit; one message larger than that
// is not relayed (the peer's UI catches up on its next list load).
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { TenantControl } from "../hub/hub.js";
import type { HubStreamMessage } from "../hub/types.js";
import type { PgStore } from "../store/postgres.js";
import { LIVE_CHANNEL } from "./sql.js";

const BATCH_MS = 50;
/** Below PostgreSQL's 8000-byte NOTIFY payload limit, with room for the envelope. */
const MAX_PAYLOAD = 7500;

export class LiveRelay {
  private outbox: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private unlisten: (() => void) | null = null;
  /** While handing a peer's message to local listeners (so it is not sent back out). */
  private inbound = false;

  constructor(
    private readonly o: {
      store: PgStore;
      hub: TenantControl;
      instanceId: string;
      /** Name events the way the origin knows them (endpoint names live with the tenant's owner). */
      name?: (m: HubStreamMessage) => HubStreamMessage;
      log: Logger;
    },
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.o.store.listener.listen(LIVE_CHANNEL, (payload) => this.receive(payload));
  }

  /** Relay or not, as the peers' interest says (checked on every coordinator tick). */
  setActive(active: boolean): void {
    if (active && !this.unsubscribe) {
      this.unsubscribe = this.o.hub.subscribe((m) => {
        if (!this.inbound) this.queue(m);
      });
    } else if (!active && this.unsubscribe) {
      this.unsubscribe();
      this.unsubscribe = null;
      this.outbox = [];
    }
  }

  /** Local stream listeners, not counting the relay itself. */
  localListeners(): number {
    return this.o.hub.streamListeners() - (this.unsubscribe ? 1 : 0);
  }

  stop(): void {
    this.setActive(false);
    this.unlisten?.();
    if (this.timer) clearTimeout(this.timer);
  }

  private queue(m: HubStreamMessage): void {
    const text = JSON.stringify(this.o.name ? this.o.name(m) : m);
    if (text.length > MAX_PAYLOAD) return;
    this.outbox.push(text);
    if (!this.timer) this.timer = setTimeout(() => this.send(), BATCH_MS);
  }

  private send(): void {
    this.timer = null;
    const batches: string[][] = [];
    let cur: string[] = [];
    let size = 0;
    for (const m of this.outbox) {
      if (size + m.length + 1 > MAX_PAYLOAD && cur.length) {
        batches.push(cur);
        cur = [];
        size = 0;
      }
      cur.push(m);
      size += m.length + 1;
    }
    if (cur.length) batches.push(cur);
    this.outbox = [];
    for (const b of batches) {
      const payload = `{"from":${JSON.stringify(this.o.instanceId)},"messages":[${b.join(",")}]}`;
      this.o.store.pool
        .query("SELECT pg_notify($1, $2)", [LIVE_CHANNEL, payload])
        .catch((e) => this.o.log.debug({ err: errorMessage(e) }, "live messages not relayed"));
    }
  }

  private receive(payload: string): void {
    let msg: { from?: string; messages?: HubStreamMessage[] };
    try {
      msg = JSON.parse(payload);
    } catch {
      return;
    }
    if (msg.from === this.o.instanceId || !Array.isArray(msg.messages)) return;
    this.inbound = true;
    try {
      for (const m of msg.messages) this.o.hub.publish(m);
    } finally {
      this.inbound = false;
    }
  }
}
