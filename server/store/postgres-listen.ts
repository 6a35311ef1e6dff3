// The shared store's one LISTEN connection: channels are subscribed by name, each notification goes to its
// channel's handlers, and a lost connection is re-established with backoff (every channel re-subscribed).
// Notifications sent while it was down are gone, so `onReconnect` lets owners of derived state resync.
import pg from "pg";
import { Backoff } from "../../common/backoff.js";
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";

export class PgListener {
  private client: pg.Client | null = null;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private readonly reconnectHandlers = new Set<() => void>();
  private readonly backoff = new Backoff({ baseMs: 250, capMs: 5000 });
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly log: Logger,
  ) {}

  get connected(): boolean {
    return this.client !== null;
  }

  async start(): Promise<void> {
    await this.connect();
  }

  /** Handle notifications on `channel`; returns the function that stops it. */
  async listen(channel: string, handler: (payload: string) => void): Promise<() => void> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await this.client?.query(`LISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /** After a reconnect (notifications may have been missed meanwhile). */
  onReconnect(fn: () => void): () => void {
    this.reconnectHandlers.add(fn);
    return () => this.reconnectHandlers.delete(fn);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const c = new pg.Client(this.config);
    c.on("notification", (n) => {
      for (const h of this.handlers.get(n.channel) ?? []) {
        try {
          h(n.payload ?? "");
        } catch (e) {
          this.log.error({ channel: n.channel, err: errorMessage(e) }, "notification handler failed");
        }
      }
    });
    c.on("error", (e) => this.lost(c, e));
    c.on("end", () => this.lost(c));
    await c.connect();
    for (const ch of this.handlers.keys()) await c.query(`LISTEN ${pg.escapeIdentifier(ch)}`);
    this.client = c;
  }

  private lost(c: pg.Client, e?: Error): void {
    if (this.client !== c || this.closed) return;
    this.client = null;
    this.log.warn({ err: e ? errorMessage(e) : "connection ended" }, "store notifications lost; reconnecting");
    c.end().catch(() => undefined);
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(async () => {
      this.timer = null;
      try {
        await this.connect();
        this.backoff.reset();
        this.log.info("store notifications back");
        for (const fn of this.reconnectHandlers) fn();
      } catch {
        this.schedule();
      }
    }, this.backoff.next());
    this.timer.unref();
  }
}
