// The connector-module port: what a vendor folder under connectors/ hands the hub so that the hub can offer,
// store, check, test and run its connectors without knowing the vendor — the JSON Schema of its settings,
// the defaults, which fields are secrets, the Configure form, and the adapter factory and connection test.
// The hub composes its own per-connector fields (the CFB default destination) around a module's; a module
// never declares them. Registered in connectors/index.ts (`pbxConnectorModules`); a rule set's `adapter`
// field names the module by its `kind`.
import type { Static, TObject } from "@sinclair/typebox";
import type { Logger } from "../../common/log.js";
import type { ConnectionTestResult, PbxAdapter, TeamsAdapter } from "./adapters.js";

export type FormFieldType = "text" | "number" | "password" | "select" | "checkbox" | "textarea";

/**
 * One input of the Configure dialog. The UI renders the fields in order, one grid cell each; the fields of
 * a `section` go into one fieldset after the fields without section. The input's id is
 * "cfg-<last key segment in kebab-case>" and its name the last key segment (e.g. "tls.ca" → #cfg-ca, ca).
 */
export interface FormField {
  /** Dot path into the config, e.g. "server" or "tls.ca". */
  readonly key: string;
  readonly label: string;
  readonly type: FormFieldType;
  /** One line under the label. */
  readonly help?: string;
  readonly placeholder?: string;
  /** The browser refuses Test and Save while it is empty. */
  readonly required?: boolean;
  /** select: the choices, in order. */
  readonly options?: readonly { readonly value: string; readonly label: string }[];
  /** Legend of the fieldset the field belongs to. */
  readonly section?: string;
  /** Two consecutive half fields share one grid cell (e.g. protocol and port). */
  readonly half?: boolean;
  /** number: bounds the browser enforces (the schema enforces them again on the server). */
  readonly min?: number;
  readonly max?: number;
  readonly inputmode?: "text" | "tel" | "numeric" | "url" | "email";
  readonly autocomplete?: string;
  /**
   * The value follows another field's choice while it still holds one of these values: the port switches
   * 443 ↔ 80 with wss ↔ ws, unless the admin typed a port of their own.
   */
  readonly follows?: { readonly key: string; readonly values: Readonly<Record<string, string | number>> };
}

/**
 * What every connector module declares about its settings. `Config` is what the adapter factory receives:
 * the input merged onto the defaults, secrets included ("" when none is stored).
 */
export interface ConnectorSettingsModule<
  Schema extends TObject = TObject,
  Config extends object = Record<string, unknown>,
  Secret extends string = string,
> {
  /** PBX modules: the name rule sets give in their `adapter` field, e.g. "innovaphone". */
  readonly kind: string;
  /** For humans, e.g. "innovaphone PBX". */
  readonly title: string;
  /**
   * JSON Schema (TypeBox) of the settings input: every field optional (an input is merged onto the saved
   * settings), unknown properties refused. Its static type is the input's TypeScript type.
   */
  readonly configSchema: Schema;
  /** Settings of a new connector, without secrets. Empty strings are values the admin still has to enter. */
  readonly defaults: Readonly<Omit<Config, Secret>>;
  /**
   * Top-level fields that are secrets: stored encrypted, write-only (an input without them keeps the stored
   * ones), never part of a view or a log line; a view shows `<field>Set: boolean` instead.
   */
  readonly secretFields: readonly Secret[];
  /**
   * Settings a stored secret is bound to (where it is sent: host, port, protocol; tenant, authority, …). A
   * stored secret is only ever used with the values it was saved with: a Test or Save that changes one of
   * them must carry the secret again, so a stored password is never handed to a host someone just typed in.
   */
  readonly secretTargetFields: readonly string[];
  /** Enough settings to start an adapter (else the connector stays offline "Not configured"). */
  isConfigured(config: Config): boolean;
}

export interface PbxModuleContext {
  connectorId: string;
  /** A child logger for this connector (component = the module's kind). */
  log: Logger;
}

export interface ConnectionTestOptions {
  /** Overall bound of the test; the module's default when absent. */
  timeoutMs?: number;
}

export interface PbxConnectorModule<
  Schema extends TObject = TObject,
  Config extends object = Record<string, unknown>,
  Secret extends string = string,
> extends ConnectorSettingsModule<Schema, Config, Secret> {
  /** The Configure dialog, in order (the hub adds its own fields after the ones without section). */
  readonly form: readonly FormField[];
  /**
   * Fields that name the PBX itself. Changing one means another PBX: the hub first undoes what it set on the
   * old one (bounded), as when the connector is disabled; other changes reconnect without undoing.
   */
  readonly identityFields: readonly string[];
  /** Completes "Not configured: …" in the Status column, e.g. "enter server, login username and password". */
  readonly notConfiguredHint: string;
  /**
   * Where a connector connects, for the Server column: config keys in braces, e.g.
   * "{protocol}://{server}:{port}"; the column reads "not configured" while the first key is empty.
   */
  readonly address: string;
  /**
   * The adapter for one connector. `config` also carries the hub's own fields (defaultDestination): read
   * what you declared, ignore the rest.
   */
  create(config: Config, context: PbxModuleContext): PbxAdapter;
  /** The Test button and `presence-hub pbx test`: connect, log in, probe, and explain each step. */
  test(config: Config, options?: ConnectionTestOptions): Promise<ConnectionTestResult>;
}

/** The Microsoft 365 side: one adapter per hub; `Deps` are what the hub lends it (the token store). */
export interface TeamsConnectorModule<
  Schema extends TObject = TObject,
  Config extends object = Record<string, unknown>,
  Secret extends string = string,
  Deps = unknown,
> extends ConnectorSettingsModule<Schema, Config, Secret> {
  create(config: Config, deps: Deps): TeamsAdapter;
  test(config: Config, deps?: Partial<Deps>): Promise<ConnectionTestResult>;
}

// Types of one module (or a union of modules), for callers that type the installed list.
// biome-ignore lint/suspicious/noExplicitAny: inference over the module's type parameters.
type AnyModule = ConnectorSettingsModule<any, any, any>;
/** The settings the module's adapter factory receives. */
export type ModuleConfig<M> = M extends ConnectorSettingsModule<TObject, infer C, string> ? C : never;
/** The settings input (all optional), from the module's schema. */
export type ModuleConfigInput<M> = M extends ConnectorSettingsModule<infer S, object, string> ? Static<S> : never;
/** The names of the module's secret fields. */
export type ModuleSecret<M> = M extends ConnectorSettingsModule<TObject, object, infer K> ? K : never;
/** Settings as stored and shown: without the secrets. */
export type ModuleStoredConfig<M> = M extends AnyModule ? Omit<ModuleConfig<M>, ModuleSecret<M>> : never;
/** Settings as a view shows them: without the secrets, with `<secret>Set` flags. */
export type ModuleConfigView<M> = M extends AnyModule
  ? ModuleStoredConfig<M> & { [K in ModuleSecret<M> as `${K}Set`]: boolean }
  : never;
