// Users file of the Graph simulator (`presence-hub sim graph --users FILE`): JSON or YAML, either a list of
// users or { tenantId?, clients?, serviceAccounts?, users }. See users.example.yaml.
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { HubError } from "../../../common/errors.js";
import type { SimClient, SimServiceAccount } from "./auth.js";
import type { SimUserSeed } from "./state.js";

export interface GraphSimulatorUsersFile {
  tenantId?: string;
  clients?: SimClient[];
  serviceAccounts?: SimServiceAccount[];
  users: SimUserSeed[];
}

export async function loadUsersFile(path: string): Promise<GraphSimulatorUsersFile> {
  const text = await readFile(path, "utf8");
  let data: unknown;
  try {
    data = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new HubError(
      "CONFIG_INVALID",
      `${path}: not valid ${/\.json$/i.test(path) ? "JSON" : "YAML"}: ${(e as Error).message}`,
    );
  }
  const file = (Array.isArray(data) ? { users: data } : data) as GraphSimulatorUsersFile;
  if (!file || !Array.isArray(file.users))
    throw new HubError("CONFIG_INVALID", `${path}: expected a list of users or { users: [...] }`);
  for (const [i, u] of file.users.entries()) {
    if (!u || typeof u.upn !== "string")
      throw new HubError("CONFIG_INVALID", `${path}: user #${i + 1} has no upn`);
  }
  return file;
}
