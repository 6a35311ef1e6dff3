// Public surface of the Microsoft Teams connector (Graph): adapter factory, config, tokens and service-account
// sign-in, the fastify webhook plugin, the connection test, the crypto helpers and the certificate store.
export {
  createTeamsAdapter,
  type TeamsAdapterDeps,
  type TeamsConnector,
  type WebhookStats,
} from "./adapter.js";
export {
  type CertificateStore,
  InMemoryCertificateStore,
} from "./certificates.js";
export { resolveTeamsConfig, type ResolvedTeamsConfig, type TeamsConfig } from "./config.js";
export { generateEncryptionCertificate, NotificationKeyring, type EncryptionCertificate } from "./crypto.js";
export {
  buildServiceAccountSignInUrl,
  completeServiceAccountSignIn,
  InMemoryTokenStore,
  type ServiceAccountToken,
  type SignInStart,
  type TokenStore,
} from "./tokens.js";
export { teamsWebhookRoutes, type TeamsWebhookHandler, type TeamsWebhookOptions } from "./webhook.js";
export { testTeamsConnection } from "./connection-test.js";
export { createHttpTransport, type HttpTransport } from "./http.js";
export { teamsModule } from "./module.js";
export {
  TEAMS_DEFAULTS,
  type TeamsConnectorConfig,
  type TeamsSettings,
  TeamsSettingsInput,
  toTeamsConfig,
} from "./settings.js";
export { GRAPH_LIFECYCLE_PATH, GRAPH_NOTIFY_PATH } from "./webhook.js";
