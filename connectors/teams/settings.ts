// Microsoft 365 settings as the admin enters them (Microsoft 365 page, admin API): the JSON Schema of the
// input — TypeBox, so it is also the TypeScript type —, the defaults, and the mapping onto the Teams
// connector's own config (connectors/teams/config.ts): webhook URLs, session expiration, poll interval.
import { type Static, Type } from "@sinclair/typebox";
import { Nullable } from "../../common/schema-types.js";
import type { TeamsConfig } from "./config.js";
import { GRAPH_LIFECYCLE_PATH, GRAPH_NOTIFY_PATH } from "./webhook.js";

const HttpUrl = () => Type.String({ maxLength: 2048, pattern: "^https?://[^\\s]+$" });

export const TeamsSettingsInput = Type.Object(
  {
    tenantId: Type.Optional(Type.String({ maxLength: 128, pattern: "^[A-Za-z0-9.-]*$" })),
    clientId: Type.Optional(Type.String({ maxLength: 128, pattern: "^[A-Za-z0-9-]*$" })),
    clientSecret: Type.Optional(Type.String({ maxLength: 1024 })),
    authorityUrl: Type.Optional(HttpUrl()),
    graphUrl: Type.Optional(HttpUrl()),
    caPem: Type.Optional(Nullable(Type.String({ maxLength: 65536 }))),
    // null or "" clears it (the adapter then polls).
    webhookBaseUrl: Type.Optional(Type.Union([HttpUrl(), Type.Null(), Type.String({ maxLength: 0 })])),
    pollIntervalSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 3600 })),
    sessionExpirationSeconds: Type.Optional(Type.Integer({ minimum: 300, maximum: 14400 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
/** Save/test input. Every field optional, merged onto the saved settings; `clientSecret` omitted = keep. */
export type TeamsSettingsInput = Static<typeof TeamsSettingsInput>;

type Settled = Required<Omit<TeamsSettingsInput, "clientSecret" | "caPem" | "webhookBaseUrl">>;
/** Settings as stored (without the client secret): the input merged onto the defaults, "" and null dropped. */
export type TeamsSettings = Settled & {
  /** PEM of a CA to trust for authority/Graph (the simulator's generated CA). */
  caPem?: string;
  /** Public base URL Graph posts change notifications to; without it the adapter polls. */
  webhookBaseUrl?: string;
};

/** Full Microsoft 365 settings as the Teams adapter factory receives them (secret included; never a view). */
export type TeamsConnectorConfig = Omit<TeamsSettings, "enabled"> & { clientSecret: string };

export const TEAMS_DEFAULTS: TeamsSettings = {
  enabled: true,
  tenantId: "",
  clientId: "",
  authorityUrl: "https://login.microsoftonline.com",
  graphUrl: "https://graph.microsoft.com",
  pollIntervalSeconds: 30,
  sessionExpirationSeconds: 600,
};

/** The admin's settings → the connector's own config (webhook routes, a Graph session of PT5M..PT4H). */
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
