// The Teams adapter's presence reads (getPresencesByUserId, batched): users queued by basic notifications,
// resyncs and new watches are read together shortly after; a notification another instance handed on is
// confirmed by a read a little later (it may have been overtaken by a newer one); and a read never
// overwrites what a notification brought while the read was under way. Graph may leave `sequenceNumber`
// out (docs/reference: unverified that Teams fills it), and then arrival order is all there is.
import { errorMessage } from "../../common/errors.js";
import { logger } from "../../common/log.js";
import type { ObservedPresence } from "./presence-reader.js";

const log = logger("teams");
/** Users queued for a read are read together this long after the first. */
const READ_AFTER_MS = 100;
/** A notification another instance handed on is confirmed by a read this much later. */
const CONFIRM_AFTER_MS = 2000;

export interface PresenceReadsHost {
  read(ids: string[]): Promise<ObservedPresence[]>;
  /** Whether the user is watched (presence of others is dropped). */
  watched(id: string): boolean;
  accept(p: ObservedPresence): void;
  /** Whether the connection runs (a failed read is retried only then). */
  active(): boolean;
}

export class PresenceReads {
  /**
   * Per user, when (in `seq` steps) a notification last brought a presence and whether it had a sequence
   * number: without one, reads sent earlier are older.
   */
  private readonly notifiedAt = new Map<string, { at: number; ordered: boolean }>();
  private seq = 0;
  private readonly soon = new IdBatch(READ_AFTER_MS, (ids, reason) =>
    this.readNow(ids, reason).catch((e: unknown) => {
      log.warn({ err: errorMessage(e), users: ids.length }, "presence read failed; will retry");
      if (this.host.active()) this.queue(ids, reason);
    }),
  );
  private readonly confirm = new IdBatch(CONFIRM_AFTER_MS, (ids) => {
    if (this.host.active()) this.queue(ids, "handed-on notification");
  });

  constructor(private readonly host: PresenceReadsHost) {}

  /** A presence a notification brought. */
  notified(p: ObservedPresence): void {
    if (!this.host.watched(p.userId)) return;
    this.notifiedAt.set(p.userId, { at: ++this.seq, ordered: p.sequenceNumber !== undefined });
    this.host.accept(p);
  }

  /** Read these users in one batched call shortly after. */
  queue(ids: readonly string[], reason: string): void {
    this.soon.add(ids, reason);
  }

  confirmLater(ids: readonly string[]): void {
    this.confirm.add(ids, "");
  }

  async readNow(ids: string[], reason: string): Promise<void> {
    if (ids.length === 0) return;
    const sentAt = this.seq;
    const list = await this.host.read(ids);
    log.debug({ users: ids.length, reason }, "presence read");
    for (const p of list) {
      const n = this.notifiedAt.get(p.userId);
      // A notification arrived while the read was under way. With sequence numbers on both the ledger
      // orders them (the read may well be the newer one: dropping it left the user's last change unseen);
      // without, arrival order says the read is older.
      if (!n || n.at <= sentAt || (n.ordered && p.sequenceNumber !== undefined)) this.host.accept(p);
    }
  }

  /** The user is no longer watched. */
  forget(id: string): void {
    this.notifiedAt.delete(id);
  }

  stop(): void {
    this.soon.stop();
    this.confirm.stop();
  }
}

/** Collects ids and hands them on together `delayMs` after the first (with the first one's reason). */
class IdBatch {
  private readonly ids = new Set<string>();
  private timer?: NodeJS.Timeout;
  private reason = "";

  constructor(
    private readonly delayMs: number,
    private readonly flush: (ids: string[], reason: string) => void,
  ) {}

  add(ids: readonly string[], reason: string): void {
    for (const id of ids) this.ids.add(id);
    if (this.timer) return;
    this.reason = reason;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const batch = [...this.ids];
      this.ids.clear();
      this.flush(batch, this.reason);
    }, this.delayMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
