// Low-level HTTP(S) transport for the Teams connector: one request function over node:http/https with an
// optional custom CA (PEM) per client, so the simulator's CA or a corporate proxy CA is trusted without
// touching NODE_EXTRA_CA_CERTS or any other process-global setting. Used by the msal network client,
// the Graph client and the JWKS fetcher.
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import { HubError } from "../../common/errors.js";

export interface HttpResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

export interface HttpTransport {
  request(req: HttpRequest): Promise<HttpResponse>;
  close(): void;
}

export interface HttpTransportOptions {
  /** Extra trusted CA certificate(s), PEM. Added to Node's default roots, not replacing them. */
  caPem?: string;
  /** Default timeout per request. */
  timeoutMs?: number;
  maxSockets?: number;
}

/** `ca` replaces node's default trust store, so keep the public roots too (real Graph behind a proxy CA). */
function rootsPlus(ca: string): string[] {
  return [...tls.rootCertificates, ca];
}

export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const maxSockets = options.maxSockets ?? 32;
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets,
    ...(options.caPem ? { ca: rootsPlus(options.caPem) } : {}),
  });
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets });
  const defaultTimeout = options.timeoutMs ?? 30_000;

  function request(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    const isHttps = url.protocol === "https:";
    const mod = isHttps ? https : http;
    const timeoutMs = req.timeoutMs ?? defaultTimeout;
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
    return new Promise<HttpResponse>((resolve, reject) => {
      const r = mod.request(
        url,
        { method: req.method, headers, agent: isHttps ? httpsAgent : httpAgent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (e) =>
            reject(
              new HubError("CONNECTION_CLOSED", `Connection to ${url.host} broke: ${e.message}`, {
                cause: e,
              }),
            ),
          );
          res.on("end", () => {
            clearTimeout(timer);
            const h: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) h[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
            }
            resolve({
              status: res.statusCode ?? 0,
              headers: h,
              body: Buffer.concat(chunks).toString("utf8"),
            });
          });
        },
      );
      const timer = setTimeout(() => {
        r.destroy(new HubError("TIMEOUT", `No answer from ${url.host} within ${timeoutMs} ms`));
      }, timeoutMs);
      r.on("error", (e) => {
        clearTimeout(timer);
        if (e instanceof HubError) reject(e);
        else reject(new HubError("CONNECT_FAILED", `Cannot reach ${url.host}: ${e.message}`, { cause: e }));
      });
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
  }

  return {
    request,
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}
