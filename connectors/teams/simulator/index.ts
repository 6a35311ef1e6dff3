// Public surface of the Microsoft Graph simulator.
export {
  startGraphSimulator,
  type GraphSimulator,
  type GraphSimulatorOptions,
  type RequestRecord,
} from "./server.js";
export type { DeliveryRecord } from "./deliveries.js";
export type { FaultRule } from "./faults.js";
export type { SimClient, SimServiceAccount } from "./auth.js";
export type { SimPair, SimUserSeed, PresenceJson } from "./state.js";
export { loadUsersFile, type GraphSimulatorUsersFile } from "./users-file.js";
