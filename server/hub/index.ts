// Public surface of the hub runtime: openHub, the facade and view types, the input JSON Schemas, and the
// built-in adapter factories (for callers that wrap or replace them).
export { openHub } from "./hub.js";
export * from "./types.js";
export {
  connectorCreateSchema,
  connectorTestSchema,
  connectorUpdateSchema,
  endpointBulkEnableSchema,
  endpointUpdateSchema,
  formatAjvErrors,
  hubSchemas,
  pbxConnectorConfigInputSchema,
  serviceAccountCompleteSchema,
  teamsSettingsInputSchema,
  validateInput,
} from "./schemas.js";
export {
  defaultAdapterFactories,
  innovaphoneFactory,
  teamsFactory,
  toInnovaphoneConfig,
  toTeamsConfig,
} from "./factories.js";
export { DEFAULT_PBX_CONFIG } from "./connectors.js";
export { DEFAULT_TEAMS_SETTINGS } from "./teams.js";
