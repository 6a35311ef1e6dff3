// A small round-robin HTTP load balancer for the multi-instance tests, like the one in front of a
// production cluster: no sticky sessions, a backend that refuses connections is skipped (the request
// goes to the next one), bodies are buffered so a request can be retried elsewhere.
import {
  createServer,
  type IncomingMessage,
  request as httpRequest,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

export interface LoadBalancer {
  url: string;
  /** Backends (base URLs) in rotation. */
  backends: Set<string>;
  /** Requests each backend answered. */
  served: Map<string, number>;
  close(): Promise<void>;
}

function forward(backend: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<boolean> {
  const u = new URL(backend);
  return new Promise((resolve) => {
    const out = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: u.host },
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
        r.on("end", () => resolve(true));
        r.on("error", () => resolve(true));
      },
    );
    out.on("error", () => resolve(res.headersSent));
    out.end(body);
  });
}

export async function startLoadBalancer(): Promise<LoadBalancer> {
  const backends = new Set<string>();
  const served = new Map<string, number>();
  let next = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const list = [...backends];
    for (let i = 0; i < list.length; i++) {
      const b = list[(next + i) % list.length] as string;
      if (await forward(b, req, body, res)) {
        served.set(b, (served.get(b) ?? 0) + 1);
        next = (next + i + 1) % Math.max(1, list.length);
        return;
      }
    }
    res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ code: "UPSTREAM", message: "no backend answered" }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    backends,
    served,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
