// The hub settings that point at the simulators, as an admin would enter them: Microsoft 365 → the Graph
// simulator, an innovaphone connector → the PBX simulator over plain ws on loopback.
import type { PbxConnectorConfigInput, TeamsSettingsInput } from "../../server/hub/types.js";

interface GraphSimCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  url: string;
}

export function graphSimSettings(graph: GraphSimCredentials, extra: TeamsSettingsInput = {}): TeamsSettingsInput {
  return {
    tenantId: graph.tenantId,
    clientId: graph.clientId,
    clientSecret: graph.clientSecret,
    authorityUrl: graph.url,
    graphUrl: graph.url,
    ...extra,
  };
}

export function pbxSimConfig(
  pbx: { port: number },
  app: { name: string; password: string },
  extra: PbxConnectorConfigInput = {},
): PbxConnectorConfigInput {
  return { server: "127.0.0.1", port: pbx.port, protocol: "ws", username: app.name, password: app.password, ...extra };
}
