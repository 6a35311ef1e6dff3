// The innovaphone connector module (engine/ports/connector-module.ts): what the hub needs to offer, check,
// store, test and run innovaphone connectors — the settings schema and defaults (settings.ts), the secret
// password, the Configure form, and the adapter factory and connection test.
import type { PbxConnectorModule } from "../../engine/ports/connector-module.js";
import { createInnovaphoneAdapter } from "./adapter.js";
import { testInnovaphoneConnection } from "./connection-test.js";
import {
  INNOVAPHONE_DEFAULTS,
  InnovaphoneConfigInput,
  type InnovaphoneSettings,
  toInnovaphoneConfig,
} from "./settings.js";

export const innovaphoneModule: PbxConnectorModule<
  typeof InnovaphoneConfigInput,
  InnovaphoneSettings,
  "password"
> = {
  kind: "innovaphone",
  title: "innovaphone PBX",
  configSchema: InnovaphoneConfigInput,
  defaults: INNOVAPHONE_DEFAULTS,
  secretFields: ["password"],
  // The AppLogin digest answers a challenge the peer chooses: sent to another host it can be cracked offline.
  secretTargetFields: ["server", "port", "protocol", "modulePath"],
  form: [
    {
      key: "server",
      label: "Server",
      type: "text",
      required: true,
      placeholder: "pbx.example.com",
      autocomplete: "off",
      help: "Host name or IP address of the PBX",
    },
    {
      key: "protocol",
      label: "Protocol",
      type: "select",
      half: true,
      options: [
        { value: "wss", label: "wss (TLS)" },
        { value: "ws", label: "ws" },
      ],
    },
    {
      key: "port",
      label: "Port",
      type: "number",
      half: true,
      required: true,
      min: 1,
      max: 65535,
      follows: { key: "protocol", values: { wss: 443, ws: 80 } },
    },
    {
      key: "username",
      label: "App login username",
      type: "text",
      required: true,
      autocomplete: "off",
      help: "Name of the App object on the PBX",
    },
    { key: "password", label: "Password", type: "password", help: "Password of the App object" },
    {
      key: "tls.insecure",
      label: "Allow self-signed certificate (no verification)",
      type: "checkbox",
      section: "TLS",
    },
    {
      key: "tls.ca",
      label: "Custom CA (PEM)",
      type: "textarea",
      section: "TLS",
      placeholder: "-----BEGIN CERTIFICATE-----",
      help: "Trust this certificate authority for wss",
    },
  ],
  // Another address, port or PBX module is another PBX: what the hub set on the old one must be undone there.
  identityFields: ["server", "port", "modulePath"],
  notConfiguredHint: "enter server, login username and password",
  address: "{protocol}://{server}:{port}",
  isConfigured: (c) => Boolean(c.server && c.username && c.password),
  create: (config, context) => createInnovaphoneAdapter(toInnovaphoneConfig(config), { log: context.log }),
  test: (config, options) => testInnovaphoneConnection(toInnovaphoneConfig(config), options),
};
