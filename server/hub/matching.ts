// Endpoint matching: a PBX user (e-mail addresses from replication) is paired with the Teams user whose
// mail or userPrincipalName equals one of them, case-insensitively. `mail` is preferred over the UPN, the
// PBX user's addresses are tried in order, and a name that fits two different Teams users is ambiguous.
import type { TeamsUser } from "../../engine/ports/adapters.js";

export interface DirectoryIndex {
  byMail: Map<string, TeamsUser[]>;
  byUpn: Map<string, TeamsUser[]>;
  byId: Map<string, TeamsUser>;
}

function push(map: Map<string, TeamsUser[]>, key: string | null | undefined, u: TeamsUser): void {
  if (!key) return;
  const k = key.trim().toLowerCase();
  if (!k) return;
  const list = map.get(k);
  if (!list) map.set(k, [u]);
  else if (!list.some((x) => x.id === u.id)) list.push(u);
}

export function indexDirectory(users: readonly TeamsUser[]): DirectoryIndex {
  const idx: DirectoryIndex = { byMail: new Map(), byUpn: new Map(), byId: new Map() };
  for (const u of users) {
    idx.byId.set(u.id, u);
    push(idx.byMail, u.mail, u);
    push(idx.byUpn, u.userPrincipalName, u);
  }
  return idx;
}

export interface MatchResult {
  user: TeamsUser | null;
  /** Some address fitted more than one Teams user (and no address fitted exactly one). */
  ambiguous: boolean;
}

export function matchTeamsUser(emails: readonly string[], idx: DirectoryIndex): MatchResult {
  let ambiguous = false;
  for (const raw of emails) {
    const e = raw.trim().toLowerCase();
    if (!e) continue;
    for (const map of [idx.byMail, idx.byUpn]) {
      const hits = map.get(e);
      if (!hits) continue;
      if (hits.length === 1) return { user: hits[0], ambiguous: false };
      ambiguous = true;
    }
  }
  return { user: null, ambiguous };
}
