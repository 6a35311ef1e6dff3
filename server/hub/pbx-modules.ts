// The installed PBX connector modules (connectors/index.ts) as the hub and the admin API use them: lookup
// by kind, each vendor's settings composed with the hub-level fields (schema, defaults, Configure form),
// the request-body schemas per vendor and for any vendor, the view schema of a connector's config, and the
// TypeScript types of all of these, derived from the installed list. Nothing here names a vendor.
import { type Static, type TObject, type TSchema, Type } from "@sinclair/typebox";
import { pbxConnectorModules } from "../../connectors/index.js";
import type {
  FormField,
  ModuleConfig,
  ModuleConfigInput,
  ModuleConfigView,
  ModuleStoredConfig,
  PbxConnectorModule,
} from "../../engine/ports/connector-module.js";
import { connectorInputSchemas, PBX_COMMON_DEFAULTS, PbxCommonConfigInput } from "./schemas.js";

type Installed = (typeof pbxConnectorModules)[number];
type Common = Required<PbxCommonConfigInput>;

/** Configuration input (create/update/test): the hub's fields and the vendor's, all optional, merged. */
export type PbxConnectorConfigInput = PbxCommonConfigInput & ModuleConfigInput<Installed>;
/** Full configuration as the adapter factory receives it (secrets included; never part of a view). */
export type PbxConnectorConfig = Common & ModuleConfig<Installed>;
/** Configuration as stored (secrets live in the encrypted secrets table). */
export type PbxStoredConfig = Common & ModuleStoredConfig<Installed>;
/** Configuration as shown to the admin: no secrets, only whether each one is stored (`passwordSet`). */
export type PbxConnectorConfigView = Common & ModuleConfigView<Installed>;

/** The hub's own field in the Configure dialog, after the vendor's fields without section. */
const COMMON_FORM: readonly FormField[] = [
  {
    key: "defaultDestination",
    label: "Default destination number",
    type: "text",
    inputmode: "tel",
    placeholder: "e.g. 200 (voicemail or operator)",
    help: "Used for call forward busy when a user has none",
  },
];

/** One installed module with everything composed around it (built once per module). */
export interface InstalledPbxModule {
  readonly module: PbxConnectorModule;
  /** Vendor settings + hub fields: the `config` object of the API. */
  readonly configSchema: TObject;
  /** Settings of a new connector (hub fields included), without secrets. */
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly form: readonly FormField[];
  /** Request bodies with this vendor's config: the hub validates with these (exact messages per vendor). */
  readonly inputs: ReturnType<typeof connectorInputSchemas<TObject>>;
}

function compose(module: PbxConnectorModule): InstalledPbxModule {
  const configSchema = Type.Object(
    { ...module.configSchema.properties, ...PbxCommonConfigInput.properties },
    { additionalProperties: false },
  );
  const firstSection = module.form.findIndex((f) => f.section !== undefined);
  const at = firstSection < 0 ? module.form.length : firstSection;
  return {
    module,
    configSchema,
    defaults: { ...module.defaults, ...PBX_COMMON_DEFAULTS },
    form: [...module.form.slice(0, at), ...COMMON_FORM, ...module.form.slice(at)],
    inputs: connectorInputSchemas(configSchema),
  };
}

const installed: readonly InstalledPbxModule[] = pbxConnectorModules.map((m) => compose(m));
const byKind = new Map(installed.map((m) => [m.module.kind, m]));

export function installedPbxModules(): readonly InstalledPbxModule[] {
  return installed;
}

/**
 * The module of a connector type's rule set (`adapter`), or undefined when none is installed under that
 * kind. Without a rule set (`adapter` unknown) the vendor is only certain when one vendor is installed.
 */
export function pbxModuleFor(adapter: string | undefined): InstalledPbxModule | undefined {
  if (adapter !== undefined) return byKind.get(adapter);
  return installed.length === 1 ? installed[0] : undefined;
}

/** Secret field names of every installed vendor (a connector whose vendor is not known). */
export const allSecretFields: readonly string[] = [
  ...new Set(installed.flatMap((m) => m.module.secretFields)),
];

// ---------------------------------------------------------------- any vendor (HTTP routes, OpenAPI)

/**
 * `config` of any installed vendor. With one vendor it is exactly that vendor's composed schema, so the
 * HTTP layer rejects bad settings with the same messages as the hub. With several, the route only knows
 * the body's `type` (a rule set), not the vendor: it accepts any vendor's shape and the hub then checks
 * the connector's own vendor.
 */
const anyVendorConfig: TSchema =
  installed.length === 1 ? installed[0].configSchema : Type.Union(installed.map((m) => m.configSchema));
export const PbxConnectorConfigInputSchema = Type.Unsafe<PbxConnectorConfigInput>(anyVendorConfig);

const anyVendorInputs = connectorInputSchemas(PbxConnectorConfigInputSchema);
export const ConnectorCreateInput = anyVendorInputs.create;
export type ConnectorCreateInput = Static<typeof ConnectorCreateInput>;
export const ConnectorUpdateInput = anyVendorInputs.update;
export type ConnectorUpdateInput = Static<typeof ConnectorUpdateInput>;
export const ConnectorTestInput = anyVendorInputs.test;
export type ConnectorTestInput = Static<typeof ConnectorTestInput>;

/**
 * Response schema of a connector's `config`: every installed vendor's fields except secrets, a
 * `<secret>Set` flag per secret, and the hub fields. Listing the fields is the second line of defence:
 * fast-json-stringify drops anything unlisted, so a secret cannot be serialized even if a view carried one.
 */
export function connectorConfigViewSchema(): TObject {
  const properties: Record<string, TSchema> = {};
  for (const m of installed) {
    const secrets = new Set<string>(m.module.secretFields);
    for (const [key, schema] of Object.entries(m.configSchema.properties)) {
      if (secrets.has(key)) properties[`${key}Set`] = Type.Boolean();
      else properties[key] = schema;
    }
  }
  return Type.Object(properties);
}
