// Where each admin API route is answered when several instances share the store: by any instance (it only
// needs the store or nothing), or by the instance running the tenant the request is about — named by a
// path parameter, the connector or endpoint it addresses, or the query/body — with lists and actions of
// an admin that name no tenant gathered from every tenant's owner. A route missing here is served where
// it arrives; test/cluster/route-placement.test.ts fails for every registered /api route not listed.

export type Placement =
  /** Any instance answers (catalogues, accounts, the event log in the store, auth). */
  | "any"
  /** The tenant in the path (`:tenant`). */
  | "tenant-param"
  /** The default tenant (`/api/teams…`). */
  | "default-tenant"
  /** The tenant of the connector in the path (`:id`). */
  | "connector"
  /** The tenant of the endpoint in the path (`:id`). */
  | "endpoint"
  /** `tenant` in the body, else the default tenant (a new connector). */
  | "body-tenant"
  /** A list: `?tenant=` or `?connectorId=` names one tenant; else (an admin) every tenant's, merged. */
  | "list"
  /** An action: `tenant` or `connectorId` in the body names one tenant; else every tenant's, summed. */
  | "action";

export const ROUTE_PLACEMENT: Record<string, Placement> = {
  "POST /api/auth/login": "any",
  "POST /api/auth/logout": "any",
  "GET /api/auth/session": "any",
  "POST /api/auth/password": "any",
  "GET /api/health": "any",
  "GET /api/users": "any",
  "POST /api/users": "any",
  "GET /api/users/:id": "any",
  "PATCH /api/users/:id": "any",
  "DELETE /api/users/:id": "any",
  "GET /api/tenants": "list",
  // A new tenant is only a row: the coordinator starts it on some instance.
  "POST /api/tenants": "any",
  "GET /api/tenants/:tenant": "tenant-param",
  "PATCH /api/tenants/:tenant": "tenant-param",
  "DELETE /api/tenants/:tenant": "tenant-param",
  "GET /api/tenants/:tenant/teams": "tenant-param",
  "PUT /api/tenants/:tenant/teams": "tenant-param",
  "POST /api/tenants/:tenant/teams/test": "tenant-param",
  "POST /api/tenants/:tenant/teams/refresh": "tenant-param",
  "GET /api/tenants/:tenant/teams/users": "tenant-param",
  "GET /api/tenants/:tenant/teams/service-accounts/sign-in": "tenant-param",
  "POST /api/tenants/:tenant/teams/service-accounts/complete": "tenant-param",
  "DELETE /api/tenants/:tenant/teams/service-accounts/:id": "tenant-param",
  "GET /api/teams": "default-tenant",
  "PUT /api/teams": "default-tenant",
  "POST /api/teams/test": "default-tenant",
  "POST /api/teams/refresh": "default-tenant",
  "GET /api/teams/users": "default-tenant",
  "GET /api/teams/service-accounts/sign-in": "default-tenant",
  "POST /api/teams/service-accounts/complete": "default-tenant",
  "DELETE /api/teams/service-accounts/:id": "default-tenant",
  "GET /api/teams/service-accounts/callback": "any",
  "GET /api/connectors": "list",
  "POST /api/connectors": "body-tenant",
  // Testing unsaved settings needs no running connector.
  "POST /api/connectors/test": "any",
  "GET /api/connectors/:id": "connector",
  "PATCH /api/connectors/:id": "connector",
  "PUT /api/connectors/:id/config": "connector",
  "DELETE /api/connectors/:id": "connector",
  "POST /api/connectors/:id/enable": "connector",
  "POST /api/connectors/:id/disable": "connector",
  "POST /api/connectors/:id/test": "connector",
  "POST /api/connectors/:id/refresh": "connector",
  "GET /api/endpoints": "list",
  "GET /api/endpoints/:id": "endpoint",
  "PATCH /api/endpoints/:id": "endpoint",
  "GET /api/endpoints/:id/timeline": "endpoint",
  "POST /api/endpoints/bulk-enable": "action",
  "POST /api/endpoints/rematch": "action",
  // The event log is in the shared store; live messages of every instance reach every stream (live-relay.ts).
  "GET /api/events": "any",
  "GET /api/events/stream": "any",
  "GET /api/connector-modules": "any",
  "GET /api/connector-types": "any",
  "GET /api/connector-types/:id/rules": "any",
  "POST /api/connector-types/:id/explain": "any",
  "POST /api/rule-sets/reload": "any",
  "GET /api/openapi.json": "any",
  "GET /api/docs/": "any",
  "GET /api/docs/json": "any",
  "GET /api/docs/yaml": "any",
  "GET /api/docs/static/*": "any",
  "GET /api/docs/static/index.html": "any",
  "GET /api/docs/static/swagger-initializer.js": "any",
  // The sign-in redirect lands anywhere: the instance that started the sign-in (it holds the PKCE
  // verifier) is asked to complete it (Cluster.http().signIn.ask).
  "GET /metrics": "any",
};
