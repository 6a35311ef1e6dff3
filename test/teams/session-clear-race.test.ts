// A keep-alive refresh of the hub's Graph session that is still in flight (e.g. throttled and retried
// after Retry-After) when the session is cleared must not re-create the session after the clear.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveTeamsConfig } from "../../connectors/teams/config.js";
import { GraphClient } from "../../connectors/teams/graph-client.js";
import { createHttpTransport, type HttpTransport } from "../../connectors/teams/http.js";
import { PresenceWriter } from "../../connectors/teams/presence-writer.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import { createAppTokenSource } from "../../connectors/teams/tokens.js";
import { seedUsers, sim, teamsConfig, until } from "./helpers.js";

describe("session refresh vs clear", () => {
  let s: GraphSimulator;
  let t: HttpTransport;
  let writer: PresenceWriter;
  beforeAll(async () => {
    s = await sim({ users: seedUsers(2) });
    // Refresh 300 ms after each set.
    const cfg = resolveTeamsConfig(
      teamsConfig(s, { presenceRefreshBeforeMs: 5 * 60_000 - 300, presenceExpiration: "PT5M" }),
    );
    t = createHttpTransport({ caPem: cfg.caPem });
    writer = new PresenceWriter(cfg, new GraphClient(cfg, t), createAppTokenSource(cfg, t));
  });
  afterAll(async () => {
    writer.stop();
    t.close();
    await s.close();
  });

  const shows = (id: string) => {
    const p = s.presence(id);
    return p ? `${p.availability}/${p.activity}` : "?";
  };

  it("a failed refresh retried after the clear does not bring the session back", async () => {
    const id = s.users()[0]!.id;
    await writer.set(id, { availability: "DoNotDisturb", activity: "Presenting" });
    expect(shows(id)).toBe("DoNotDisturb/Presenting");
    // The next refresh meets a 503 once and is retried after 1 s.
    s.addFault({
      match: "POST /v1.0/users/.*/presence/setPresence",
      times: 1,
      status: 503,
      headers: { "Retry-After": "1" },
    });
    const throttled = () =>
      s.requests().some((r) => r.path.endsWith("/presence/setPresence") && r.status === 503);
    await until(throttled, 3000, "refresh failed once");
    await writer.clear(id);
    expect(shows(id)).toBe("Available/Available");
    await new Promise((r) => setTimeout(r, 1800));
    expect(shows(id)).toBe("Available/Available");
  });

  it("a clear issued while a set for the same user is still on its way is applied after it", async () => {
    const id = s.users()[1]!.id;
    // The set is slow to reach Graph (delayed before it is handled); the clear is not.
    s.addFault({ match: "POST /v1.0/users/.*/presence/setPresence", times: 1, delayMs: 400 });
    const set = writer.set(id, { availability: "DoNotDisturb", activity: "Presenting" });
    const clear = writer.clear(id);
    await Promise.allSettled([set, clear]);
    expect(shows(id)).toBe("Available/Available");
  });
});
