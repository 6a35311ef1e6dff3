// Loading and checking the simulator's users file (JSON or YAML, type PbxSimUsersFile).
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { HubError } from "../../../common/errors.js";
import type { PbxSimUsersFile } from "./types.js";

export function parseUsersFile(text: string, name = "users file"): PbxSimUsersFile {
  let data: unknown;
  try {
    data = /\.json$/i.test(name) ? JSON.parse(text) : parseYaml(text); // YAML is a superset of JSON
  } catch (e) {
    throw new HubError("VALIDATION", `${name}: cannot parse (${(e as Error).message})`);
  }
  const d = (Array.isArray(data) ? { users: data } : data) as PbxSimUsersFile;
  if (!d || typeof d !== "object" || !Array.isArray(d.users))
    throw new HubError("VALIDATION", `${name}: needs a "users" list`);
  d.users.forEach((u, i) => {
    if (!u || typeof u.h323 !== "string" || !u.h323)
      throw new HubError("VALIDATION", `${name}: users[${i}] needs an h323 name`);
  });
  for (const [i, a] of (d.apps ?? []).entries()) {
    if (!a?.name || !a.password)
      throw new HubError("VALIDATION", `${name}: apps[${i}] needs name and password`);
  }
  return d;
}

export async function loadUsersFile(path: string): Promise<PbxSimUsersFile> {
  return parseUsersFile(await readFile(path, "utf8"), path);
}
