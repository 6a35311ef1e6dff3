// Adapter factories for the fault tests: the real innovaphone and Teams adapters (same config mapping as the
// connector modules), with the connector timings scaled down so faults heal within a test's budget:
// reconnect backoff 100 ms → 1 s (seeded jitter), request timeout 1.5 s, liveness ping 500 ms, Graph
// subscription existence check every 2 s (production: 5 min). Nothing else differs from production wiring.
import { createInnovaphoneAdapter } from "../../connectors/innovaphone/adapter.js";
import { createTeamsAdapter } from "../../connectors/teams/index.js";
import { innovaphoneModule } from "../../connectors/innovaphone/module.js";
import { toInnovaphoneConfig } from "../../connectors/innovaphone/settings.js";
import { teamsModule } from "../../connectors/teams/module.js";
import { toTeamsConfig } from "../../connectors/teams/settings.js";
import type { OpenHubOptions, PbxAdapterFactory, TeamsAdapterFactory } from "../../server/hub/types.js";
import { prng } from "./harness.js";

export function fastFactories(seed = 1): Pick<OpenHubOptions, "adapterFactories" | "teamsFactory"> {
  const random = prng(seed);
  const pbx: PbxAdapterFactory = {
    create: (config) =>
      createInnovaphoneAdapter(
        { ...toInnovaphoneConfig(config), requestTimeoutMs: 1500, connectTimeoutMs: 3000, pingIntervalMs: 500 },
        { backoff: { baseMs: 100, capMs: 1000, stableMs: 2000, random } },
      ),
    test: innovaphoneModule.test,
  };
  const teams: TeamsAdapterFactory = {
    create: (config, deps) =>
      createTeamsAdapter({ ...toTeamsConfig(config), subscriptionCheckIntervalMs: 2000 }, { tokenStore: deps.tokenStore }),
    test: teamsModule.test,
  };
  return { adapterFactories: { innovaphone: pbx }, teamsFactory: teams };
}

/** Sync core timings scaled the same way (production: retry 1 s → 60 s, echo grace 30 s). */
export const FAST_SYNC = { retryBaseMs: 100, retryMaxMs: 1500, echoGraceMs: 2000 } as const;
