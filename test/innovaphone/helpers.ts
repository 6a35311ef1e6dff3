// Test helpers for the innovaphone connector: a raw AppWebsocket client for simulator golden tests,
// generated users, and a polling waitFor with a short default timeout.
import WebSocket from "ws";
import { computeDigest } from "../../connectors/innovaphone/digest.js";
import type { SimUserInput } from "../../connectors/innovaphone/simulator/types.js";

export async function waitFor<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 4000,
  what = "condition",
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function makeUsers(
  n: number,
  extra: (i: number) => Partial<SimUserInput> = () => ({}),
): SimUserInput[] {
  return Array.from({ length: n }, (_, i) => ({
    guid: i.toString(16).padStart(32, "0"),
    h323: `user${i}`,
    cn: `User ${i}`,
    e164: String(1000 + i),
    emails: [`user${i}@example.com`],
    cfpr: true,
    ...extra(i),
  }));
}

type Json = Record<string, unknown>;

/** A bare-bones AppWebsocket peer that records every message it receives. */
export class RawPeer {
  readonly received: Json[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (d) => {
      try {
        this.received.push(JSON.parse(d.toString()));
      } catch {
        this.received.push({ malformed: d.toString() });
      }
    });
  }

  static async open(url: string): Promise<RawPeer> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    return new RawPeer(ws);
  }

  send(msg: Json): void {
    this.ws.send(JSON.stringify(msg));
  }

  async next(pred: (m: Json) => boolean, timeoutMs = 2000): Promise<Json> {
    return waitFor(() => this.received.find(pred), timeoutMs, "message");
  }

  /** Request → the first reply with mt+"Result" (and the same src when given). */
  async call(msg: Json, timeoutMs = 2000): Promise<Json> {
    const start = this.received.length;
    this.send(msg);
    return waitFor(
      () =>
        this.received
          .slice(start)
          .find((m) => m.mt === `${msg.mt}Result` && (msg.src === undefined || m.src === msg.src)),
      timeoutMs,
      `${String(msg.mt)}Result`,
    );
  }

  async challenge(): Promise<string> {
    const r = await this.call({ mt: "AppChallenge" });
    return String(r.challenge);
  }

  async login(app: string, password: string, opts: { info?: Json; upper?: boolean } = {}): Promise<Json> {
    const challenge = await this.challenge();
    let digest = computeDigest({
      app,
      infoJson: opts.info === undefined ? undefined : JSON.stringify(opts.info),
      challenge,
      password,
    });
    if (opts.upper) digest = digest.toUpperCase();
    const msg: Json = { mt: "AppLogin", app, domain: "", sip: "", guid: "", dn: "", digest };
    if (opts.info !== undefined) msg.info = opts.info;
    return this.call(msg);
  }

  close(): void {
    this.ws.terminate();
  }
}
