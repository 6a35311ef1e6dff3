// The hub's own inputs as TypeBox schemas — each one JSON Schema (validated with ajv in common/validation.ts,
// reused as fastify route body schemas) and TypeScript type (Static) from one definition: the fields every
// PBX connector has whatever its vendor, the connector request bodies around a vendor's config, endpoints,
// and the service-account sign-in. The vendors' settings schemas live in their modules under connectors/.
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Nullable, StringEnum } from "../../common/schema-types.js";

export { TeamsSettingsInput } from "../../connectors/teams/settings.js";

/** Hub-level fields of every PBX connector, composed with the vendor's settings into one `config` object. */
export const PbxCommonConfigInput = Type.Object(
  {
    /** The connector's CFB fallback destination ("" = none). */
    defaultDestination: Type.Optional(Type.String({ maxLength: 64, pattern: "^[0-9*#+]*$" })),
  },
  { additionalProperties: false },
);
export type PbxCommonConfigInput = Static<typeof PbxCommonConfigInput>;
export const PBX_COMMON_DEFAULTS: Required<PbxCommonConfigInput> = { defaultDestination: "" };

const idPattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

/** The create/update/test bodies of PBX connectors around one `config` schema (a vendor's, or any vendor's). */
export function connectorInputSchemas<C extends TSchema>(config: C) {
  return {
    create: Type.Object(
      {
        /** Connector type = rule set id; its `adapter` names the vendor module. */
        type: Type.String({ pattern: idPattern }),
        /** The tenant (customer) the connector belongs to; default "default". Fixed after creation. */
        tenant: Type.Optional(Type.String({ pattern: idPattern })),
        name: Type.String({ minLength: 1, maxLength: 100 }),
        description: Type.Optional(Type.String({ maxLength: 1000 })),
        /** Default true. A connector without the vendor's required settings stays offline "Not configured". */
        enabled: Type.Optional(Type.Boolean()),
        config: Type.Optional(config),
      },
      { additionalProperties: false },
    ),
    update: Type.Object(
      {
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        description: Type.Optional(Type.String({ maxLength: 1000 })),
        enabled: Type.Optional(Type.Boolean()),
        /** Merged onto the saved config. Changing anything here restarts the connector's adapter. */
        config: Type.Optional(config),
      },
      { additionalProperties: false },
    ),
    /** Test a saved connector (id), unsaved settings (type + config), or unsaved changes of a saved one (both). */
    test: Type.Object(
      {
        id: Type.Optional(Type.String({ maxLength: 64 })),
        type: Type.Optional(Type.String({ pattern: idPattern })),
        config: Type.Optional(config),
      },
      { additionalProperties: false },
    ),
  };
}

export const EndpointUpdateInput = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    /** Manual mapping: sets match "manual" (null = manually unmapped). Survives rematching. */
    teamsUserId: Type.Optional(Nullable(Type.String({ maxLength: 128 }))),
    /** "auto" drops a manual mapping and re-matches by e-mail. */
    match: Type.Optional(StringEnum(["auto"])),
  },
  { additionalProperties: false },
);
export type EndpointUpdateInput = Static<typeof EndpointUpdateInput>;

export const EndpointBulkEnableInput = Type.Object(
  {
    enabled: Type.Boolean(),
    /** Either explicit ids, or a filter (same semantics as list). */
    ids: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100000 })),
    /** Only this tenant's endpoints. */
    tenant: Type.Optional(Type.String({ maxLength: 64 })),
    connectorId: Type.Optional(Type.String({ maxLength: 64 })),
    search: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type EndpointBulkEnableInput = Static<typeof EndpointBulkEnableInput>;

export const ServiceAccountCompleteInput = Type.Object(
  { state: Type.String({ maxLength: 512 }), code: Type.String({ maxLength: 8192 }) },
  { additionalProperties: false },
);
export type ServiceAccountCompleteInput = Static<typeof ServiceAccountCompleteInput>;

// ---------------------------------------------------------------- tenants

export const TenantCreateInput = Type.Object(
  {
    /** A readable id for URLs and metrics labels; default: made from the name ("Acme GmbH" → "acme-gmbh"). */
    id: Type.Optional(Type.String({ pattern: "^[a-z0-9][a-z0-9-]{0,39}$" })),
    name: Type.String({ minLength: 1, maxLength: 100 }),
  },
  { additionalProperties: false },
);
export type TenantCreateInput = Static<typeof TenantCreateInput>;

export const TenantUpdateInput = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
  { additionalProperties: false },
);
export type TenantUpdateInput = Static<typeof TenantUpdateInput>;

// ---------------------------------------------------------------- admin accounts

/** At least 12 characters: admins of a service provider's hub are worth a real passphrase. */
const password = Type.String({ minLength: 12, maxLength: 200 });
const role = StringEnum(["admin", "tenant-admin"]);

export const UserCreateInput = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 100, pattern: "^[^\\s]+$" }),
    password,
    role,
    tenant: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type UserCreateInput = Static<typeof UserCreateInput>;

export const UserUpdateInput = Type.Object(
  {
    password: Type.Optional(password),
    role: Type.Optional(role),
    tenant: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UserUpdateInput = Static<typeof UserUpdateInput>;

export const PasswordChangeInput = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 1000 }), newPassword: password },
  { additionalProperties: false },
);
export type PasswordChangeInput = Static<typeof PasswordChangeInput>;
