// AppWebsocket client: one socket to `<protocol>://<server>:<port>/<module>/APPS/websocket`, the
// AppChallenge → AppLogin handshake, src-correlated requests with per-request timeouts, src-routed
// subscription indications, liveness (ws ping + {"mt":"KeepAlive"}) and fail-all-pending on close.
// Shape follows home-assistant-js-websocket (injectable socket factory, pending map rejected on close)
// and innovaphone/go-inno-appws (match by src, then by mt+"Result" when the PBX omits src).
// It does not reconnect: the supervisor owns reconnects and builds a fresh client each time. A connect that
// fails (refused login, unanswered challenge, close() while connecting) always closes its socket.
import WebSocket, { type ClientOptions } from "ws";
import { TypedEmitter } from "../../common/emitter.js";
import { HubError } from "../../common/errors.js";
import { type Logger, logger } from "../../common/log.js";
import { corkUntilTickEnd, uncorkNow } from "../../common/ws-cork.js";
import { computeDigest, normalizeChallenge } from "./digest.js";

/** A JSON message on the AppWebsocket. */
export type AppMessage = { mt: string; api?: string; src?: string } & Record<string, unknown>;

/** Creates the socket; tests inject one to wrap or fault the transport. */
export type SocketFactory = (url: string, options: ClientOptions) => WebSocket;

export interface AppClientOptions {
  url: string;
  app: string;
  password: string;
  tls?: { ca?: string; insecure?: boolean };
  /** Default timeout for requests (ms). */
  requestTimeoutMs?: number;
  /** Timeout for open + challenge + login (ms). */
  connectTimeoutMs?: number;
  /** WebSocket ping period (ms); 0 disables liveness checks. */
  pingIntervalMs?: number;
  /** Send {"mt":"KeepAlive"} after this much time without sending anything (ms); 0 disables. */
  keepAliveIntervalMs?: number;
  /** Declare the PBX dead after this long without any frame or pong (ms). Default 2 × ping interval + 1 s. */
  deadAfterMs?: number;
  /**
   * Request sent when the PBX has been silent for half of deadAfterMs (any answer proves liveness);
   * default PbxApi GetNodeInfo; null disables it (then only pongs and traffic count).
   */
  livenessProbe?: { api: string; mt: string } | null;
  /** Largest frame accepted from the PBX in bytes (default MAX_FRAME_BYTES); a larger one closes the connection. */
  maxFrameBytes?: number;
  /** Optional AppLogin `info` object (it becomes part of the digest exactly as serialised). */
  loginInfo?: Record<string, unknown>;
  socketFactory?: SocketFactory;
  log?: Logger;
}

export interface AppClientEvents {
  /** The socket closed (or was declared dead); every pending request has been failed with this error. */
  close: (error: HubError) => void;
  /** An unparseable frame arrived; it was logged and ignored. */
  malformed: (text: string) => void;
  /** A message no request or subscription claimed. */
  unhandled: (msg: AppMessage) => void;
}

interface Pending {
  api?: string;
  mt: string;
  src?: string;
  resolve: (msg: AppMessage) => void;
  reject: (e: HubError) => void;
  timer: NodeJS.Timeout;
}

let srcCounter = 0;
/** A process-wide unique src; readable in PBX traces. */
export function newSrc(prefix = "ph"): string {
  srcCounter = (srcCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}-${Date.now().toString(36)}-${srcCounter.toString(36)}`;
}

export function appWebsocketUrl(
  protocol: "ws" | "wss",
  server: string,
  port: number,
  modulePath = "PBX0",
): string {
  const host = server.includes(":") && !server.startsWith("[") ? `[${server}]` : server;
  const mod = modulePath.replace(/^\/+|\/+$/g, "") || "PBX0"; // "" from a form means the default
  return `${protocol}://${host}:${port}/${mod}/APPS/websocket`;
}

const DEFAULT_PROBE = { api: "PbxApi", mt: "GetNodeInfo" };

/**
 * Largest frame accepted from the PBX (ws `maxPayload`; ws's own default is 100 MiB). AppWebsocket messages
 * are small JSON objects — a replication row, a presence indication, one RCC batch of ≤ 50 users — a few KiB
 * each, so 8 MiB leaves three orders of magnitude of headroom while a broken or hostile peer (or anyone in
 * the path when TLS verification is off) can make the hub buffer at most 8 MiB per connection.
 */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

const defaultFactory: SocketFactory = (url, options) => new WebSocket(url, options);

export class AppWebsocketClient extends TypedEmitter<AppClientEvents> {
  private ws: WebSocket | undefined;
  private readonly pending = new Set<Pending>();
  /** Index of `pending` by src: thousands of subscriptions may be in flight at once. */
  private readonly pendingBySrc = new Map<string, Pending>();
  private readonly srcHandlers = new Map<string, (msg: AppMessage) => void>();
  private readonly log: Logger;
  private closed = false;
  private loggedIn = false;
  private lastRx = Date.now();
  private lastTx = Date.now();
  private livenessTimer: NodeJS.Timeout | undefined;
  private probing = false;
  /** Counters for diagnostics and tests. */
  readonly stats = { sent: 0, received: 0, malformed: 0 };

  constructor(private readonly opts: AppClientOptions) {
    super();
    this.log = opts.log ?? logger("innovaphone");
  }

  get isOpen(): boolean {
    return !this.closed && this.loggedIn && this.ws?.readyState === WebSocket.OPEN;
  }

  /** Open the socket and log in. Rejects with CONNECT_FAILED, TIMEOUT, AUTH_FAILED or CONNECTION_CLOSED. */
  async connect(): Promise<void> {
    const timeoutMs = this.opts.connectTimeoutMs ?? 10_000;
    const isTls = this.opts.url.startsWith("wss:");
    const maxFrameBytes = this.opts.maxFrameBytes ?? MAX_FRAME_BYTES;
    const wsOptions: ClientOptions = { handshakeTimeout: timeoutMs, perMessageDeflate: false, maxPayload: maxFrameBytes };
    if (isTls) {
      if (this.opts.tls?.ca) wsOptions.ca = this.opts.tls.ca;
      // Verification stays on unless the admin explicitly opted out (self-signed PBX certificates).
      wsOptions.rejectUnauthorized = this.opts.tls?.insecure !== true;
    }
    const factory = this.opts.socketFactory ?? defaultFactory;
    let ws: WebSocket;
    try {
      ws = factory(this.opts.url, wsOptions);
    } catch (e) {
      this.closed = true;
      throw new HubError("CONNECT_FAILED", `Cannot connect to ${this.opts.url}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      const onOpen = () => {
        ws.off("error", onError);
        ws.off("close", onEarlyClose);
        resolve();
      };
      const onError = (err: Error) => {
        ws.off("open", onOpen);
        ws.off("close", onEarlyClose);
        this.closed = true;
        reject(new HubError("CONNECT_FAILED", describeConnectError(err, this.opts.url), { cause: err }));
      };
      const onEarlyClose = (code: number) => {
        ws.off("open", onOpen);
        ws.off("error", onError);
        this.closed = true;
        reject(new HubError("CONNECT_FAILED", `The PBX closed the connection while opening (code ${code})`));
      };
      ws.once("open", onOpen);
      ws.once("error", onError);
      ws.once("close", onEarlyClose);
    });
    ws.on("message", (data, isBinary) => this.onFrame(data, isBinary));
    ws.on("pong", () => {
      this.lastRx = Date.now();
    });
    ws.on("error", (err: Error & { code?: string }) => {
      if (err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
        // ws has stopped reading and destroys the socket; report why before the generic close does.
        const limit = describeBytes(maxFrameBytes);
        this.log.error({ limitBytes: maxFrameBytes }, "the PBX sent a frame above the size limit; closing the connection");
        this.shutdown(new HubError("PROTOCOL", `The PBX sent a frame larger than ${limit}; connection closed`));
        return;
      }
      this.log.warn({ err: err.message }, "AppWebsocket socket error");
    });
    ws.on("close", (code, reason) =>
      this.shutdown(
        new HubError(
          "CONNECTION_CLOSED",
          `Connection to the PBX closed (code ${code}${reason.length ? `, ${reason}` : ""})`,
        ),
      ),
    );
    this.lastRx = Date.now();
    this.startLiveness();
    try {
      const ch = await this.request(undefined, "AppChallenge", {}, { timeoutMs, noSrc: true });
      const challenge = normalizeChallenge(ch.challenge);
      if (challenge === undefined) throw new HubError("PROTOCOL", "The PBX sent no usable login challenge");
      const info = this.opts.loginInfo;
      const digest = computeDigest({
        app: this.opts.app,
        infoJson: info === undefined ? undefined : JSON.stringify(info),
        challenge,
        password: this.opts.password,
      });
      const login: Record<string, unknown> = {
        app: this.opts.app,
        domain: "",
        sip: "",
        guid: "",
        dn: "",
        digest,
      };
      if (info !== undefined) login.info = info;
      const res = await this.request(undefined, "AppLogin", login, { timeoutMs, noSrc: true });
      if (res.ok !== true) {
        const text = typeof res.errorText === "string" ? res.errorText.trim() : "";
        const detail = text && !/^login failed\.?$/i.test(text) ? ` (${text})` : "";
        throw new HubError("AUTH_FAILED", `Login failed: wrong app object name or password${detail}`, {
          details: { error: res.error },
        });
      }
      this.loggedIn = true;
      this.log.info({ url: this.opts.url, appObject: this.opts.app }, "logged in to the PBX");
    } catch (e) {
      const err = e instanceof HubError ? e : new HubError("PROTOCOL", String(e));
      this.shutdown(err);
      // Without this the socket stays open at the PBX: one more per retry (issue 12, item 4).
      this.closeSocket();
      throw err;
    }
  }

  /**
   * Send `{api, mt, src, ...body}` and resolve with the matching `<mt>Result`.
   * `src` defaults to a fresh unique value; pass one to reuse a subscription's src (e.g. ReplicateNext).
   * `flush` sends at once instead of with the rest of the tick's frames (the caller has work to overlap).
   */
  request(
    api: string | undefined,
    mt: string,
    body: Record<string, unknown> = {},
    opts: { timeoutMs?: number; src?: string; noSrc?: boolean; flush?: boolean } = {},
  ): Promise<AppMessage> {
    if (this.closed || !this.ws || this.ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new HubError("CONNECTION_CLOSED", "Not connected to the PBX"));
    }
    const src = opts.noSrc ? undefined : (opts.src ?? newSrc());
    const timeoutMs = opts.timeoutMs ?? this.opts.requestTimeoutMs ?? 10_000;
    return new Promise<AppMessage>((resolve, reject) => {
      const p: Pending = {
        api,
        mt,
        src,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.removePending(p);
          reject(
            new HubError(
              "TIMEOUT",
              `The PBX did not answer ${api ? `${api} ` : ""}${mt} within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs),
      };
      this.pending.add(p);
      if (src) this.pendingBySrc.set(src, p);
      const msg: Record<string, unknown> = { ...body, mt };
      if (api) msg.api = api;
      if (src) msg.src = src;
      this.sendRaw(msg, opts.flush);
    });
  }

  /** Route every later message carrying `src` (except the pending request's own result) to `handler`. */
  listen(src: string, handler: (msg: AppMessage) => void): () => void {
    this.srcHandlers.set(src, handler);
    return () => this.unlisten(src, handler);
  }

  /** Stop routing `src` to `handler` (for callers that share one handler and keep no stop closure per src). */
  unlisten(src: string, handler: (msg: AppMessage) => void): void {
    if (this.srcHandlers.get(src) === handler) this.srcHandlers.delete(src);
  }

  /** Send without expecting an answer (e.g. UnsubscribePresence during shutdown). */
  send(msg: AppMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.sendRaw(msg);
  }

  /** Close the socket; pending requests fail with CONNECTION_CLOSED. */
  close(reason = "Closed by the hub"): void {
    this.shutdown(new HubError("CONNECTION_CLOSED", reason));
    this.closeSocket();
  }

  /** Close the socket in any state (while connecting ws aborts the handshake); idempotent. */
  private closeSocket(): void {
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      try {
        ws.close(1000);
      } catch {
        ws.terminate();
      }
      // A dead peer never finishes the closing handshake; do not keep the socket around for 30 s.
      setTimeout(() => ws.terminate(), 1000).unref();
    }
  }

  private sendRaw(msg: Record<string, unknown>, flush = false): void {
    this.lastTx = Date.now();
    this.stats.sent++;
    const ws = this.ws;
    if (!ws) return;
    // A burst of SetPresence or 10,000 SubscribePresence leave in one writev (common/ws-cork.ts).
    if (!flush) corkUntilTickEnd(ws);
    ws.send(JSON.stringify(msg));
    if (flush) uncorkNow(ws);
  }

  private onFrame(data: WebSocket.RawData, isBinary: boolean): void {
    this.lastRx = Date.now();
    const text = isBinary ? "" : Array.isArray(data) ? Buffer.concat(data).toString("utf8") : data.toString();
    let msg: AppMessage;
    try {
      const parsed: unknown = JSON.parse(text);
      if (
        !parsed ||
        typeof parsed !== "object" ||
        Array.isArray(parsed) ||
        typeof (parsed as AppMessage).mt !== "string"
      ) {
        throw new Error("not an AppWebsocket message");
      }
      msg = parsed as AppMessage;
    } catch (e) {
      this.stats.malformed++;
      this.log.warn({ frame: text.slice(0, 200), err: String(e) }, "ignoring malformed frame from the PBX");
      this.emit("malformed", text);
      return;
    }
    this.stats.received++;
    this.route(msg);
  }

  private route(msg: AppMessage) {
    if (msg.mt === "KeepAlive" || msg.mt === "KeepAliveResult") return;
    if (msg.src !== undefined) {
      const p = this.pendingBySrc.get(msg.src);
      if (p && `${p.mt}Result` === msg.mt) return this.settle(p, msg);
      const l = this.srcHandlers.get(msg.src);
      if (l) {
        try {
          l(msg);
        } catch (e) {
          this.log.error({ err: String(e), mt: msg.mt }, "subscription handler failed");
        }
        return;
      }
    } else {
      // Some PBX replies omit src: take the oldest request on the same api whose result name matches.
      let p: Pending | undefined;
      for (const x of this.pending) {
        if (`${x.mt}Result` === msg.mt && (x.api ?? "") === (msg.api ?? "")) {
          p = x;
          break;
        }
      }
      if (p) return this.settle(p, msg);
    }
    this.emit("unhandled", msg);
  }

  private settle(p: Pending, msg: AppMessage): void {
    this.removePending(p);
    p.resolve(msg);
  }

  private removePending(p: Pending): void {
    clearTimeout(p.timer);
    if (p.src && this.pendingBySrc.get(p.src) === p) this.pendingBySrc.delete(p.src);
    this.pending.delete(p);
  }

  private startLiveness(): void {
    const ping = this.opts.pingIntervalMs ?? 30_000;
    const keepAlive = this.opts.keepAliveIntervalMs ?? 60_000;
    if (ping <= 0) return;
    const deadAfter = this.opts.deadAfterMs ?? 2 * ping + 1000;
    this.livenessTimer = setInterval(() => {
      const ws = this.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) return;
      const now = Date.now();
      if (now - this.lastRx > deadAfter) {
        this.log.warn({ silentMs: now - this.lastRx }, "the PBX stopped answering; dropping the connection");
        this.shutdown(
          new HubError(
            "CONNECTION_CLOSED",
            `The PBX did not answer for ${Math.round((now - this.lastRx) / 1000)} s`,
          ),
        );
        ws.terminate();
        return;
      }
      try {
        ws.ping();
      } catch {
        // the close handler reports it
      }
      if (keepAlive > 0 && this.loggedIn && now - this.lastTx >= keepAlive) this.sendRaw({ mt: "KeepAlive" });
      // Whether a PBX answers RFC 6455 pings (or KeepAlive) is undocumented: when it has been quiet for half
      // the dead time, ask something cheap that must be answered, so an idle but healthy PBX is never dropped.
      const probe = this.opts.livenessProbe === undefined ? DEFAULT_PROBE : this.opts.livenessProbe;
      if (probe && this.loggedIn && !this.probing && now - this.lastRx > deadAfter / 2) {
        this.probing = true;
        this.request(probe.api, probe.mt, {}, { timeoutMs: deadAfter })
          .catch(() => undefined)
          .finally(() => {
            this.probing = false;
          });
      }
    }, ping);
    this.livenessTimer.unref();
  }

  private shutdown(err: HubError): void {
    if (this.closed) return;
    this.closed = true;
    this.loggedIn = false;
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    const pending = [...this.pending];
    this.pending.clear();
    this.pendingBySrc.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.srcHandlers.clear();
    this.emit("close", err);
  }
}

function describeBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}

function describeConnectError(err: Error & { code?: string }, url: string): string {
  const code = err.code ?? "";
  if (code === "ECONNREFUSED") return `Cannot connect to ${url}: connection refused (wrong server or port?)`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `Cannot connect to ${url}: unknown host name`;
  if (code === "ETIMEDOUT") return `Cannot connect to ${url}: timed out`;
  if (/certificate|self.signed|CERT|UNABLE_TO_VERIFY/i.test(`${code} ${err.message}`)) {
    return `TLS certificate of the PBX not trusted (${err.message}); add its CA or, for a self-signed certificate, enable "insecure"`;
  }
  if (/Unexpected server response: 404/.test(err.message))
    return `The PBX answered 404 for ${url} (wrong module path?)`;
  return `Cannot connect to ${url}: ${err.message}`;
}
