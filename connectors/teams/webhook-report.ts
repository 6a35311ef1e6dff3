// Bounded logging for webhook bodies. Anyone can POST to the notification URL, so the log lines a body
// costs must depend neither on how many items it carries nor on how often it is sent: each body gets at
// most one summary line (counts per reason plus a few truncated samples), summaries are rate-limited per
// reason (default one per 10 s), and what was held back is reported later as "suppressed" counts.
import type { Logger } from "../../common/log.js";

/** Why an item of a webhook body was not used. */
export type IgnoreReason =
  | "not an object"
  | "unknown subscription or wrong clientState"
  | "validationTokens rejected"
  | "decryption failed"
  | "no user id"
  | "malformed body"
  | "processing failed";

const MAX_SAMPLES = 3;
/** Samples carry attacker-chosen strings (e.g. a subscriptionId): never more than this of each. */
const MAX_SAMPLE_CHARS = 120;

function sampleText(v: unknown): string {
  const s = typeof v === "string" ? v : v === undefined ? "(missing)" : v === null ? "null" : typeof v;
  return s.length > MAX_SAMPLE_CHARS ? `${s.slice(0, MAX_SAMPLE_CHARS)}…` : s;
}

/** What one webhook body amounted to: item counts and the reasons items were ignored. */
export class BodyReport {
  items = 0;
  accepted = 0;
  readonly ignored = new Map<IgnoreReason, number>();
  readonly samples: Array<{ reason: IgnoreReason; detail: string }> = [];

  ignore(reason: IgnoreReason, detail?: unknown): void {
    this.ignored.set(reason, (this.ignored.get(reason) ?? 0) + 1);
    if (this.samples.length < MAX_SAMPLES) this.samples.push({ reason, detail: sampleText(detail) });
  }
}

interface Held {
  bodies: number;
  items: number;
}

/**
 * Writes body summaries, at most one line per reason per `intervalMs`: a body whose reasons were all
 * logged within the interval is counted instead, and the counts come out in one "suppressed" line when
 * the interval is over (or with the next summary that is due).
 */
export class SummaryLimiter {
  /** Per reason: when its next line may be written. */
  private readonly nextAt = new Map<IgnoreReason, number>();
  private readonly held = new Map<IgnoreReason, Held>();
  private flushTimer?: NodeJS.Timeout;

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Log the body's summary (warn) unless rate-limited; returns whether a line was written. */
  report(r: BodyReport, msg: string, fields: Record<string, unknown> = {}): boolean {
    if (r.ignored.size === 0) return false;
    const t = this.now();
    const reasons = [...r.ignored.keys()];
    if (!reasons.some((k) => (this.nextAt.get(k) ?? 0) <= t)) {
      for (const [k, n] of r.ignored) {
        const h = this.held.get(k) ?? { bodies: 0, items: 0 };
        h.bodies++;
        h.items += n;
        this.held.set(k, h);
      }
      this.armFlush();
      return false;
    }
    const suppressed = this.take(reasons);
    for (const k of reasons) this.nextAt.set(k, t + this.intervalMs);
    this.log.warn(
      {
        ...fields,
        items: r.items,
        accepted: r.accepted,
        ignored: Object.fromEntries(r.ignored),
        samples: r.samples,
        ...(suppressed ? { suppressed } : {}),
      },
      msg,
    );
    return true;
  }

  /** Stop the pending flush (adapter stop); held counts are dropped. */
  close(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.held.clear();
  }

  private take(reasons: readonly IgnoreReason[]): Record<string, Held> | undefined {
    let out: Record<string, Held> | undefined;
    for (const k of reasons) {
      const h = this.held.get(k);
      if (!h) continue;
      this.held.delete(k);
      out ??= {};
      out[k] = h;
    }
    return out;
  }

  private armFlush(): void {
    if (this.flushTimer || this.held.size === 0) return;
    const due = Math.min(...[...this.held.keys()].map((k) => this.nextAt.get(k) ?? 0));
    this.flushTimer = setTimeout(() => this.flush(), Math.max(0, due - this.now()));
    this.flushTimer.unref?.();
  }

  private flush(): void {
    this.flushTimer = undefined;
    const t = this.now();
    const due = [...this.held.keys()].filter((k) => (this.nextAt.get(k) ?? 0) <= t);
    const suppressed = this.take(due);
    if (suppressed) {
      // The flush line counts as the reason's line: a sustained flood costs one line per interval.
      for (const k of due) this.nextAt.set(k, t + this.intervalMs);
      this.log.warn({ suppressed }, "webhook items ignored (summaries suppressed)");
    }
    this.armFlush();
  }
}
