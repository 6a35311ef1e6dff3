// A PBX connector's secrets (the module names which config fields are secret): where each is stored, which
// ones a config input carries (write-only: absent = keep the stored one), and the rule that a stored secret
// is only used with the target it was saved for (secret-binding.ts).
import type { HubStore, StoredConnector } from "../store/types.js";
import type { InstalledPbxModule } from "./pbx-modules.js";
import { requireSecretForNewTarget } from "./secret-binding.js";

export const connectorSecretName = (id: string, field: string) => `connector/${id}/${field}`;

/** The secrets typed into a config input. */
export function typedSecrets(m: InstalledPbxModule, config: object | undefined): [string, string][] {
  const input = (config ?? {}) as Record<string, unknown>;
  return m.module.secretFields.flatMap((f) => (typeof input[f] === "string" ? [[f, input[f] as string]] : []));
}

/** Throws (400 naming the field) when `next` points a stored secret at another target without typing it again. */
export function checkSecretTargets(
  store: HubStore,
  m: InstalledPbxModule,
  saved: StoredConnector,
  next: object,
  typed: [string, string][],
): void {
  for (const field of m.module.secretFields)
    requireSecretForNewTarget({
      path: `config.${field}`,
      fields: m.module.secretTargetFields,
      saved: saved.config,
      next,
      typed: typed.some(([f]) => f === field),
      stored: store.getSecret(connectorSecretName(saved.id, field)) !== undefined,
    });
}
