// Graph counts requests while it throttles (msgraph-presence.md §4.5): a 429 with Retry-After on one
// request must hold back every other request to the tenant for that long — those started while the first
// one waits, and those already queued behind it for a free slot — not only the one that got the 429.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resolveTeamsConfig } from "../../connectors/teams/config.js";
import { GraphClient } from "../../connectors/teams/graph-client.js";
import { createHttpTransport, type HttpTransport } from "../../connectors/teams/http.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import { type AccessTokenSource, createAppTokenSource } from "../../connectors/teams/tokens.js";
import { seedUsers, sim, teamsConfig, until } from "./helpers.js";

const READ = "/v1.0/communications/getPresencesByUserId";

describe("429 with Retry-After holds back the other requests", () => {
  let s: GraphSimulator;
  let t: HttpTransport;
  let token: AccessTokenSource;
  const clients: GraphClient[] = [];
  const client = (maxConcurrency: number) => {
    const cfg = resolveTeamsConfig(teamsConfig(s, { maxConcurrency, maxBackoffMs: 5000 }));
    const c = new GraphClient(cfg, t);
    clients.push(c);
    return c;
  };
  /** When the simulator answered the first request matching `path` (its request log, ms). */
  const answeredAt = (path: string, status?: number) => {
    const r = s.requests().find((x) => x.path === path && (status === undefined || x.status === status));
    return r ? Date.parse(r.at) : Number.NaN;
  };

  beforeAll(async () => {
    s = await sim({ users: seedUsers(2) });
    const cfg = resolveTeamsConfig(teamsConfig(s));
    t = createHttpTransport({ caPem: cfg.caPem });
    token = createAppTokenSource(cfg, t);
    await token.getToken();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    s.clearFaults();
    s.clearLogs();
  });
  afterAll(async () => {
    t.close();
    await s.close();
  });

  it("a request started while another waits out its Retry-After waits too", async () => {
    const graph = client(4);
    s.addFault({ match: `POST ${READ}`, status: 429, headers: { "Retry-After": "1" }, times: 1 });
    const first = graph.request("POST", "/communications/getPresencesByUserId", { token, body: { ids: ["u00000"] } });
    await until(() => !Number.isNaN(answeredAt(READ, 429)), 3000, "the 429");
    const second = graph.request("GET", "/users/u00001", { token });
    await Promise.all([first, second]);
    expect(answeredAt("/v1.0/users/u00001") - answeredAt(READ, 429)).toBeGreaterThanOrEqual(900);
  });

  it("a request queued for a free slot when the 429 arrives waits too", async () => {
    const graph = client(1);
    // The 429 takes 300 ms to arrive; the second request is queued behind it meanwhile.
    s.addFault({ match: `POST ${READ}`, status: 429, headers: { "Retry-After": "1" }, delayMs: 300, times: 1 });
    const first = graph.request("POST", "/communications/getPresencesByUserId", { token, body: { ids: ["u00000"] } });
    await new Promise((r) => setTimeout(r, 50));
    const second = graph.request("GET", "/users/u00001", { token });
    await Promise.all([first, second]);
    expect(answeredAt("/v1.0/users/u00001") - answeredAt(READ, 429)).toBeGreaterThanOrEqual(900);
  });
});
