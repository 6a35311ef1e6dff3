// The innovaphone connector's settings as the admin enters them (Configure dialog, admin API): the JSON
// Schema of the input — TypeBox, so it is also the TypeScript type —, the settings of a new connector, and
// the mapping onto the connector's own config (connectors/innovaphone/config.ts).
import { type Static, Type } from "@sinclair/typebox";
import { StringEnum } from "../../common/schema-types.js";
import type { InnovaphoneConfig } from "./config.js";

/** A host name or an IPv4 address, or an IPv6 address in brackets; no scheme, port or path. */
const HOSTNAME = "^[^\\s/:@]+$|^\\[[0-9a-fA-F:.]+\\]$";

export const InnovaphoneConfigInput = Type.Object(
  {
    server: Type.Optional(
      Type.String({ maxLength: 253, pattern: HOSTNAME, description: "PBX host name or IP address" }),
    ),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    protocol: Type.Optional(StringEnum(["ws", "wss"])),
    username: Type.Optional(Type.String({ maxLength: 128, description: "App object name" })),
    password: Type.Optional(
      Type.String({ maxLength: 256, description: "App object password (write-only)" }),
    ),
    modulePath: Type.Optional(
      Type.String({ maxLength: 64, pattern: "^/?[A-Za-z0-9_.-]+/?$", description: "PBX module, e.g. PBX0" }),
    ),
    tls: Type.Optional(
      Type.Object(
        {
          ca: Type.Optional(Type.String({ maxLength: 65536 })),
          insecure: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
/** Configuration input: every field optional, merged onto the saved settings (password omitted = keep). */
export type InnovaphoneConfigInput = Static<typeof InnovaphoneConfigInput>;

type TlsInput = NonNullable<InnovaphoneConfigInput["tls"]>;
/** The input merged onto the defaults, with the password ("" = none stored): what create and test receive. */
export type InnovaphoneSettings = Required<Omit<InnovaphoneConfigInput, "tls">> & {
  /** `ca`: PEM of a custom CA to trust; `insecure`: explicit, visible opt-out of certificate checks. */
  tls: TlsInput & { insecure: boolean };
};

export const INNOVAPHONE_DEFAULTS: Omit<InnovaphoneSettings, "password"> = {
  server: "",
  port: 443,
  protocol: "wss",
  username: "",
  modulePath: "PBX0",
  tls: { insecure: false },
};

/** The admin's settings → the connector's own config (module path without slashes, an empty CA = none). */
export function toInnovaphoneConfig(c: InnovaphoneSettings): InnovaphoneConfig {
  return {
    server: c.server,
    port: c.port,
    protocol: c.protocol,
    username: c.username,
    password: c.password,
    modulePath: c.modulePath ? c.modulePath.replace(/^\/+|\/+$/g, "") : undefined,
    tls: { ...(c.tls.ca ? { ca: c.tls.ca } : {}), insecure: c.tls.insecure },
  };
}
