// How a PBX connector's configuration is put together, whatever the vendor: an input merged onto the saved
// settings (nested objects field by field, secrets never kept in the stored record), and the stored record
// with its secrets added back for the adapter factory.
import type { PbxConnectorConfig, PbxStoredConfig } from "./pbx-modules.js";

type Json = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function deepMerge(base: Json, patch: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    out[k] = isPlainObject(v) && isPlainObject(base[k]) ? deepMerge(base[k], v) : v;
  }
  return out;
}

/** `input` merged onto `base` (a nested object such as `tls` field by field), without the secret fields. */
export function mergeConfig(
  base: object,
  input: object | undefined,
  secrets: readonly string[],
): PbxStoredConfig {
  const out = deepMerge(base as Json, (input ?? {}) as Json);
  for (const s of secrets) delete out[s];
  return out as PbxStoredConfig;
}

/** The stored configuration with each secret added ("" when none is stored: the module decides if it may start). */
export function withSecrets(
  config: object,
  secrets: readonly string[],
  secret: (field: string) => string | undefined,
): PbxConnectorConfig {
  const out: Json = { ...config };
  for (const f of secrets) out[f] = secret(f) ?? "";
  return out as PbxConnectorConfig;
}
