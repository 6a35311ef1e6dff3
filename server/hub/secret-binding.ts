// A stored secret is only used with the target it was saved for (issue 12, outside security review): a Test
// or Save whose settings point somewhere else (another PBX host, port, protocol or module; another tenant,
// app, authority or Graph URL) must carry the secret again. Otherwise anyone with a session could make the
// hub send the stored PBX password's login digest, or the Microsoft client secret, to a host they choose.
import { HubError } from "../../common/errors.js";

/** The secret target fields whose values differ between the saved settings and the ones about to be used. */
export function changedTargetFields(fields: readonly string[], saved: object, next: object): string[] {
  const a = saved as Record<string, unknown>;
  const b = next as Record<string, unknown>;
  return fields.filter((f) => JSON.stringify(a[f] ?? "") !== JSON.stringify(b[f] ?? ""));
}

/**
 * Throws VALIDATION (400) naming `path` when a stored secret would be used with another target: the caller
 * did not type the secret, one is stored, and a target field changed.
 */
export function requireSecretForNewTarget(o: {
  path: string;
  fields: readonly string[];
  saved: object | undefined;
  next: object;
  typed: boolean;
  stored: boolean;
}): void {
  if (o.typed || !o.stored || !o.saved) return;
  const changed = changedTargetFields(o.fields, o.saved, o.next);
  if (changed.length === 0) return;
  throw new HubError(
    "VALIDATION",
    `${o.path}: enter it again — a stored secret is only used with the ${o.fields.join(", ")} it was saved with, and ${changed.join(", ")} changed`,
    { details: { field: o.path, changed } },
  );
}
