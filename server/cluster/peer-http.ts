// Requests between instances: an admin request handed to the instance running its tenant (with the
// caller's own credentials — every instance checks them against the shared store — and a hop header, so
// a request is handed on at most once), and the replies copied back.
import type { FastifyReply, FastifyRequest } from "fastify";
import { HubError } from "../../common/errors.js";

/** Set on a request one instance hands to another; the receiver answers it itself, whatever it owns. */
export const HOP_HEADER = "x-presence-hub-hop";

/** Headers of the caller's request that the owner needs (credentials, body type, language). */
const PASSED = ["cookie", "authorization", "content-type", "accept", "accept-language", "x-requested-with", "user-agent"];

const TIMEOUT_MS = 30_000;

export interface PeerReply {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** Send `request` (or a variant: another path or body) to `baseUrl`, marked as handed on by `self`. */
export async function callPeer(
  baseUrl: string,
  request: FastifyRequest,
  self: string,
  variant: { url?: string; method?: string; body?: unknown } = {},
): Promise<PeerReply> {
  const headers: Record<string, string> = { [HOP_HEADER]: self };
  for (const h of PASSED) {
    const v = request.headers[h];
    if (typeof v === "string") headers[h] = v;
  }
  const method = variant.method ?? request.method;
  const body = variant.body !== undefined ? variant.body : request.body;
  const hasBody = method !== "GET" && method !== "HEAD" && body !== undefined && body !== null;
  if (hasBody) headers["content-type"] = "application/json";
  else delete headers["content-type"];
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${variant.url ?? request.url}`, {
      method,
      headers,
      body: hasBody ? JSON.stringify(body) : undefined,
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    throw new HubError("NO_OWNER", `the instance running this tenant (${baseUrl}) did not answer; try again`, {
      cause: e,
      details: { retryAfterSeconds: 2 },
    });
  }
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Answer with a peer's reply as it is. */
export function sendPeerReply(reply: FastifyReply, r: PeerReply): FastifyReply {
  reply.code(r.status);
  for (const h of ["content-type", "location", "retry-after"]) {
    const v = r.headers.get(h);
    if (v) reply.header(h, v);
  }
  return reply.send(r.body);
}

/** A peer's JSON body (throws the peer's own error when it answered with one). */
export function peerJson<T>(r: PeerReply): T {
  const data = r.body.length ? JSON.parse(r.body.toString("utf8")) : undefined;
  if (r.status >= 400) {
    const err = data as { code?: string; message?: string } | undefined;
    throw Object.assign(new HubError((err?.code as never) ?? "UPSTREAM", err?.message ?? `peer answered ${r.status}`), {
      statusCode: r.status,
    });
  }
  return data as T;
}
