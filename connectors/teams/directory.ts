// Tenant directory listing for endpoint matching: paged GET /users with $select, following @odata.nextLink.
import type { TeamsUser } from "../../engine/ports/adapters.js";
import type { GraphClient } from "./graph-client.js";
import type { AccessTokenSource } from "./tokens.js";

interface UsersPage {
  value?: Array<{
    id?: string;
    displayName?: string | null;
    mail?: string | null;
    userPrincipalName?: string | null;
  }>;
  "@odata.nextLink"?: string;
}

export async function listTenantUsers(
  graph: GraphClient,
  token: AccessTokenSource,
  options: { pageSize?: number; maxPages?: number } = {},
): Promise<TeamsUser[]> {
  const users: TeamsUser[] = [];
  let next: string | undefined =
    `/users?$select=id,mail,userPrincipalName,displayName&$top=${options.pageSize ?? 999}`;
  for (let page = 0; next && page < (options.maxPages ?? 10_000); page++) {
    const res: { body: UsersPage } = await graph.request<UsersPage>("GET", next, { token });
    for (const u of res.body?.value ?? []) {
      if (!u.id) continue;
      users.push({
        id: u.id,
        displayName: u.displayName ?? "",
        mail: u.mail ?? null,
        userPrincipalName: u.userPrincipalName ?? "",
      });
    }
    next = res.body?.["@odata.nextLink"];
  }
  return users;
}
