// The built-in adapter factories: the hub's connector/Microsoft 365 records → the innovaphone and Teams
// connectors' own config shapes. openHub uses these unless the caller injects others (tests, new vendors).
import { createInnovaphoneAdapter, testInnovaphoneConnection } from "../../connectors/innovaphone/index.js";
import type { InnovaphoneConfig } from "../../connectors/innovaphone/config.js";
import { createTeamsAdapter, testTeamsConnection } from "../../connectors/teams/index.js";
import type { TeamsConfig } from "../../connectors/teams/config.js";
import { logger } from "../../common/log.js";
import type {
  PbxAdapterFactory,
  PbxConnectorConfig,
  TeamsAdapterFactory,
  TeamsConnectorConfig,
} from "./types.js";

/** Path of the Graph webhook routes mounted by the HTTP layer (connectors/teams/webhook.ts defaults). */
export const GRAPH_NOTIFY_PATH = "/graph/notify";
export const GRAPH_LIFECYCLE_PATH = "/graph/lifecycle";

export function toInnovaphoneConfig(c: PbxConnectorConfig): InnovaphoneConfig {
  return {
    server: c.server,
    port: c.port,
    protocol: c.protocol,
    username: c.username,
    password: c.password,
    modulePath: c.modulePath ? c.modulePath.replace(/^\/+|\/+$/g, "") : undefined,
    tls: { ...(c.tls.ca ? { ca: c.tls.ca } : {}), insecure: c.tls.insecure },
  };
}

export function toTeamsConfig(c: TeamsConnectorConfig): TeamsConfig {
  const base = c.webhookBaseUrl?.replace(/\/+$/, "");
  const minutes = Math.max(5, Math.min(240, Math.round(c.sessionExpirationSeconds / 60)));
  return {
    tenantId: c.tenantId,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    authority: c.authorityUrl,
    graphBaseUrl: c.graphUrl,
    ...(c.caPem ? { caPem: c.caPem } : {}),
    ...(base
      ? { notificationUrl: base + GRAPH_NOTIFY_PATH, lifecycleNotificationUrl: base + GRAPH_LIFECYCLE_PATH }
      : {}),
    pollIntervalMs: c.pollIntervalSeconds * 1000,
    presenceExpiration: `PT${minutes}M`,
  };
}

export const innovaphoneFactory: PbxAdapterFactory = {
  create: (config, context) =>
    createInnovaphoneAdapter(toInnovaphoneConfig(config), {
      log: logger("innovaphone", { connectorId: context.connectorId }),
    }),
  test: (config) => testInnovaphoneConnection(toInnovaphoneConfig(config)),
};

export const teamsFactory: TeamsAdapterFactory = {
  create: (config, deps) => createTeamsAdapter(toTeamsConfig(config), { tokenStore: deps.tokenStore }),
  test: (config, deps) => testTeamsConnection(toTeamsConfig(config), { tokenStore: deps?.tokenStore }),
};

export const defaultAdapterFactories: Record<string, PbxAdapterFactory> = { innovaphone: innovaphoneFactory };
