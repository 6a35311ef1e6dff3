// Public surface of the innovaphone connector and its simulator (what the hub, the demo and tests import).
export { type InnovaphoneAdapterOptions, createInnovaphoneAdapter } from "./adapter.js";
export {
  type AppMessage,
  AppWebsocketClient,
  type AppClientOptions,
  appWebsocketUrl,
  type SocketFactory,
} from "./client.js";
export { DEFAULT_HUB_CONTACT, type InnovaphoneConfig, validateInnovaphoneConfig } from "./config.js";
export { testInnovaphoneConnection } from "./connection-test.js";
export { innovaphoneModule } from "./module.js";
export {
  INNOVAPHONE_DEFAULTS,
  InnovaphoneConfigInput,
  type InnovaphoneSettings,
  toInnovaphoneConfig,
} from "./settings.js";
export { computeDigest, digestString, sessionKey } from "./digest.js";
// The backoff formula lives in common/ now (one for the whole hub); re-exported for existing importers.
export { type BackoffOptions, backoffDelay } from "../../common/backoff.js";
export type { SupervisorBackoffOptions } from "../../common/supervisor.js";
export { type PbxSimulator, startPbxSimulator } from "./simulator/server.js";
export type {
  IncomingCallResult,
  PbxSimulatorOptions,
  PbxSimUsersFile,
  SimAppObject,
  SimCd,
  SimFaults,
  SimLogEntry,
  SimUserInput,
} from "./simulator/types.js";
export { loadUsersFile, parseUsersFile } from "./simulator/users-file.js";
