// Fault injection for the Graph simulator (§8.6): rules matched by "METHOD /path" regex and count that
// answer with a status (429 + Retry-After, 503, 401 …), delay a request or only its answer, or drop the
// connection, plus an automatic presence rate limit (presenceLimitPer30s → 429 with Retry-After).

export interface FaultRule {
  /** Regex over "METHOD /path" (no query string), e.g. "POST /v1.0/users/.* /presence/setPresence". */
  match: string;
  /** How many matching requests the rule applies to; default unlimited. */
  times?: number;
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Graph error code for a generated error body when `body` is absent. */
  code?: string;
  delayMs?: number;
  /**
   * Handle the request normally but hold its answer back this long: e.g. a subscription that already
   * exists (and delivers notifications) while its create call is still unanswered.
   */
  delayResponseMs?: number;
  dropConnection?: boolean;
}

export interface FaultDecision {
  delayMs?: number;
  delayResponseMs?: number;
  drop?: boolean;
  reply?: { status: number; headers: Record<string, string>; body: unknown };
}

interface ActiveRule extends FaultRule {
  id: number;
  re: RegExp;
  used: number;
}

export class Faults {
  private rules: ActiveRule[] = [];
  private nextId = 1;
  presenceLimitPer30s?: number;
  private presenceHits: number[] = [];

  add(rule: FaultRule): number {
    const id = this.nextId++;
    this.rules.push({ ...rule, id, re: new RegExp(`^(?:${rule.match})$`, "i"), used: 0 });
    return id;
  }

  clear(): void {
    this.rules = [];
    this.presenceLimitPer30s = undefined;
    this.presenceHits = [];
  }

  list(): FaultRule[] {
    return this.rules.map(({ re: _re, ...r }) => r);
  }

  decide(method: string, path: string): FaultDecision | undefined {
    const key = `${method} ${path}`;
    for (const r of this.rules) {
      if (r.times !== undefined && r.used >= r.times) continue;
      if (!r.re.test(key)) continue;
      r.used++;
      const d: FaultDecision = {};
      if (r.delayMs) d.delayMs = r.delayMs;
      if (r.delayResponseMs) d.delayResponseMs = r.delayResponseMs;
      if (r.dropConnection) d.drop = true;
      if (r.status) {
        const code =
          r.code ??
          (r.status === 429
            ? "TooManyRequests"
            : r.status === 503
              ? "ServiceUnavailable"
              : r.status === 401
                ? "InvalidAuthenticationToken"
                : "Simulated");
        d.reply = {
          status: r.status,
          headers: r.headers ?? {},
          body: r.body ?? {
            error: {
              code,
              message: "Simulated fault.",
              innerError: { code: String(r.status), date: new Date().toISOString() },
            },
          },
        };
      }
      return d;
    }
    if (this.presenceLimitPer30s !== undefined && /presence/i.test(path) && !path.startsWith("/_emulator")) {
      const now = Date.now();
      this.presenceHits = this.presenceHits.filter((t) => t > now - 30_000);
      if (this.presenceHits.length >= this.presenceLimitPer30s) {
        const retry = Math.max(1, Math.ceil((this.presenceHits[0]! + 30_000 - now) / 1000));
        return {
          reply: {
            status: 429,
            headers: { "Retry-After": String(retry) },
            body: {
              error: {
                code: "TooManyRequests",
                message: "Please retry again later.",
                innerError: { code: "429" },
              },
            },
          },
        };
      }
      this.presenceHits.push(now);
    }
    return undefined;
  }
}
