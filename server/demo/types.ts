// What a running demo hands its caller (the CLI prints from it, the tests drive it): the hub, each customer's
// simulators and connector, and how to stop it all.
import type { PbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import type { ConnectorView } from "../hub/types.js";
import type { RunningHub } from "../run-hub.js";

export interface DemoCustomer {
  /** Tenant id and name in the hub. */
  tenant: string;
  name: string;
  pbx: PbxSimulator;
  graph: GraphSimulator;
  connector: ConnectorView;
  /** Graph user id by demo key (alice, bob, …). */
  teamsIds: Record<string, string>;
  serviceAccount: boolean;
}

export interface DemoHandle {
  hub: RunningHub;
  /** The admin password the demo runs with (chosen or generated); the demo prints it. */
  adminPassword: string;
  pbx: PbxSimulator;
  graph: GraphSimulator;
  connector: ConnectorView;
  /** Graph user id by demo key (alice, bob, …). */
  teamsIds: Record<string, string>;
  /** True when the service account sign-in worked (subscriptions), false when the hub polls. */
  serviceAccount: boolean;
  /** The second customer (`tenants: 2`); the fields above are then the first's (the default tenant). */
  second?: DemoCustomer;
  close(): Promise<void>;
}
