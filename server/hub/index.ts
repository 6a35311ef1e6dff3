// Public surface of the hub runtime: openHub, the facade and view types, the input schemas (TypeBox: JSON
// Schema and type in one), and the installed connector modules with their composed schemas and forms.
export { openHub } from "./hub.js";
export * from "./types.js";
export {
  EndpointBulkEnableInput,
  EndpointUpdateInput,
  PBX_COMMON_DEFAULTS,
  PbxCommonConfigInput,
  ServiceAccountCompleteInput,
  TeamsSettingsInput,
} from "./schemas.js";
export {
  ConnectorCreateInput,
  ConnectorTestInput,
  ConnectorUpdateInput,
  connectorConfigViewSchema,
  installedPbxModules,
  PbxConnectorConfigInputSchema,
  pbxModuleFor,
} from "./pbx-modules.js";
export { pbxConnectorModules, teamsModule } from "../../connectors/index.js";
export { formatAjvErrors, validateInput } from "../../common/validation.js";
export { DEFAULT_TEAMS_SETTINGS } from "./teams.js";
