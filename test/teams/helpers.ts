// Shared fixtures for the Teams connector tests: a Graph simulator on 127.0.0.1, a bare fastify hub that
// serves only the Teams webhook plugin, and config builders pointing the connector at the simulator.
import Fastify, { type FastifyInstance } from "fastify";
import { resolveTeamsConfig, type TeamsConfig } from "../../connectors/teams/config.js";
import { createHttpTransport } from "../../connectors/teams/http.js";
import {
  buildServiceAccountSignInUrl,
  completeServiceAccountSignIn,
  InMemoryTokenStore,
} from "../../connectors/teams/tokens.js";
import type { TeamsWebhookHandler } from "../../connectors/teams/webhook.js";
import { teamsWebhookRoutes } from "../../connectors/teams/webhook.js";
import {
  startGraphSimulator,
  type GraphSimulator,
  type GraphSimulatorOptions,
} from "../../connectors/teams/simulator/server.js";
import type { SimUserSeed } from "../../connectors/teams/simulator/state.js";

export async function sim(options: GraphSimulatorOptions = {}): Promise<GraphSimulator> {
  return startGraphSimulator({ retryBaseMs: 50, ...options });
}

export function teamsConfig(s: GraphSimulator, extra: Partial<TeamsConfig> = {}): TeamsConfig {
  return {
    tenantId: s.tenantId,
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    authority: s.url,
    graphBaseUrl: s.url,
    caPem: s.caPem,
    baseBackoffMs: 20,
    maxBackoffMs: 2000,
    pollIntervalMs: 200,
    ...extra,
  };
}

export function seedUsers(n: number, prefix = "u"): SimUserSeed[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${String(i).padStart(5, "0")}`,
    upn: `${prefix}${i}@contoso.example`,
    displayName: `User ${i}`,
    client: { availability: "Available", activity: "Available" },
  }));
}

export interface Hub {
  app: FastifyInstance;
  url: string;
  setHandler(h: TeamsWebhookHandler | undefined): void;
  close(): Promise<void>;
}

/** A bare fastify instance with only the webhook plugin, listening on plain http://127.0.0.1 (loopback). */
export async function hub(port = 0): Promise<Hub> {
  let handler: TeamsWebhookHandler | undefined;
  const app = Fastify({ logger: false });
  await app.register(teamsWebhookRoutes, { handler: () => handler });
  await app.listen({ port, host: "127.0.0.1" });
  const addr = app.server.address();
  const boundPort = typeof addr === "object" && addr ? addr.port : 0;
  return {
    app,
    url: `http://127.0.0.1:${boundPort}`,
    setHandler(h) {
      handler = h;
    },
    close: () => app.close(),
  };
}

export async function until(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sign `count` service accounts in through the simulator's authorize endpoint (auto-consent, PKCE). */
export async function signedInStore(s: GraphSimulator, count = 1): Promise<InMemoryTokenStore> {
  const store = new InMemoryTokenStore();
  const cfg = resolveTeamsConfig(teamsConfig(s));
  const t = createHttpTransport({ caPem: cfg.caPem });
  while (s.serviceAccounts.length < count)
    s.addServiceAccount({ upn: `presence-svc${s.serviceAccounts.length + 1}@contoso.example` });
  for (const acc of s.serviceAccounts.slice(0, count)) {
    const redirectUri = "http://127.0.0.1:9/cb";
    const start = buildServiceAccountSignInUrl(cfg, { redirectUri, loginHint: acc.upn });
    const res = await t.request({ method: "GET", url: start.url });
    await completeServiceAccountSignIn(cfg, t, {
      callbackUrl: res.headers.location!,
      redirectUri,
      expectedState: start.state,
      codeVerifier: start.codeVerifier,
      store,
    });
  }
  t.close();
  return store;
}
