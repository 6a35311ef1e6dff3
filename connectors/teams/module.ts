// The Microsoft 365 (Teams) connector module (engine/ports/connector-module.ts): the settings schema and
// defaults (settings.ts), the secret client secret, and the adapter factory and connection test. The hub
// runs one Teams adapter and lends it encrypted stores for the service accounts' refresh tokens and the
// notification certificates. The Microsoft 365 page of the UI is written by hand (sign-in flow, service
// accounts), so there is no form.
import type { TeamsConnectorModule } from "../../engine/ports/connector-module.js";
import { createTeamsAdapter } from "./adapter.js";
import type { CertificateStore } from "./certificates.js";
import { testTeamsConnection } from "./connection-test.js";
import { type TeamsConnectorConfig, TEAMS_DEFAULTS, TeamsSettingsInput, toTeamsConfig } from "./settings.js";
import type { TokenStore } from "./tokens.js";

export const teamsModule: TeamsConnectorModule<
  typeof TeamsSettingsInput,
  TeamsConnectorConfig & { enabled?: boolean },
  "clientSecret",
  { tokenStore: TokenStore; certificateStore?: CertificateStore }
> = {
  kind: "teams",
  title: "Microsoft 365",
  configSchema: TeamsSettingsInput,
  defaults: TEAMS_DEFAULTS,
  secretFields: ["clientSecret"],
  // The client secret goes to the authority; tokens made with it go to Graph.
  secretTargetFields: ["tenantId", "clientId", "authorityUrl", "graphUrl"],
  isConfigured: (c) => Boolean(c.tenantId && c.clientId && c.clientSecret),
  create: (config, deps) =>
    createTeamsAdapter(toTeamsConfig(config), {
      tokenStore: deps.tokenStore,
      certificateStore: deps.certificateStore,
    }),
  test: (config, deps) => testTeamsConnection(toTeamsConfig(config), { tokenStore: deps?.tokenStore }),
};
