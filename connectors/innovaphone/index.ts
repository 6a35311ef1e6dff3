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

import { createInnovaphoneAdapter as create } from "./adapter.js";
import type { InnovaphoneConfig as Config } from "./config.js";
import { testInnovaphoneConnection as test } from "./connection-test.js";

/** Adapter factory in the shape the hub expects (server/hub/types.ts PbxAdapterFactory, matched structurally). */
export const innovaphoneAdapterFactory = {
  create: (config: Config, _context?: { connectorId: string }) => create(config),
  test: (config: Config) => test(config),
};
