// The connector modules the hub offers (engine/ports/connector-module.ts). The server's list of PBX
// connector kinds is exactly `pbxConnectorModules`: adding a PBX vendor means a folder connectors/<kind>/
// with a module.ts, one entry here, rule sets with `adapter: <kind>` — and no file under server/.
// Imports only the modules, never the simulators, so the hub does not load test tooling.
import { innovaphoneModule } from "./innovaphone/module.js";
import { teamsModule } from "./teams/module.js";

/** Every installed PBX vendor, by the `kind` rule sets name in their `adapter` field. */
export const pbxConnectorModules = [innovaphoneModule] as const;

export { innovaphoneModule, teamsModule };
