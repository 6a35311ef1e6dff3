// A real hub (SQLite on a temp dir, the shipped rules) behind buildApp, with two tenants as a service provider
// would set them up: tenant A ("qx-alpha") and tenant B ("qx-beta"), PBX connectors in each (a fake PBX
// adapter per connector, users by server name, so endpoints exist without simulators), a tenant admin of
// each and a second admin. Every name and id of A's contains "qxalpha" or is listed in `alphaSecrets`, so a
// test can assert that nothing of A's reaches B.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, LightMyRequestResponse, RouteOptions } from "fastify";
import type { PbxUser } from "../../engine/ports/adapters.js";
import { buildApp, type MountedPlugin } from "../../server/app.js";
import { hashPassword } from "../../server/auth/password.js";
import { openHub } from "../../server/hub/hub.js";
import type { ConnectorView, EndpointView, Hub, PbxAdapterFactory, UserView } from "../../server/hub/types.js";
import { FakePbx, until } from "../sync/fakes.js";
import { shippedRules } from "../sync/harness.js";

export const TOKEN = "isolation-token-0123456789abcdefghij";
export const ROOT = { user: "root-admin", password: "root-admin-passphrase" };
export const A = { id: "qx-alpha", name: "Qxalpha Customer" };
export const B = { id: "qx-beta", name: "Qxbeta Customer" };
export const PASSWORDS = { alphaAdmin: "qxalpha-admin-passphrase", betaAdmin: "beta-admin-passphrase-1", admin2: "second-admin-passphrase" };

type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

/** PBX users by connector server: A's all carry "qxalpha". */
const PBX_USERS: Record<string, Partial<PbxUser>[]> = {
  "qxalpha.pbx.test": [
    { guid: "g-qxalpha-1", h323: "qxalpha-ann", cn: "Qxalpha Ann", e164: "501", emails: ["ann@qxalpha.test"] },
    { guid: "g-qxalpha-2", h323: "qxalpha-abe", cn: "Qxalpha Abe", e164: "502", emails: ["abe@qxalpha.test"] },
  ],
  "beta.pbx.test": [
    { guid: "g-beta-1", h323: "beta-bob", cn: "Beta Bob", e164: "601", emails: ["bob@beta.test"] },
    { guid: "g-beta-2", h323: "beta-bea", cn: "Beta Bea", e164: "602", emails: ["bea@beta.test"] },
  ],
};

const fakePbxFactory: PbxAdapterFactory = {
  create: (config) => new FakePbx(PBX_USERS[String(config.server)] ?? []),
  test: async () => ({ ok: true, summary: "ok", steps: [] }),
};

export interface TenantWorld {
  hub: Hub;
  app: FastifyInstance;
  routes: RouteOptions[];
  alpha: { connectors: ConnectorView[]; endpoints: EndpointView[]; admin: UserView };
  beta: { connectors: ConnectorView[]; endpoints: EndpointView[]; admin: UserView };
  admin2: UserView;
  /** Every id and name of tenant A's (besides anything containing "qxalpha"). */
  alphaSecrets: string[];
  /** A session cookie for these credentials. */
  login(username: string, password: string): Promise<string>;
  /** A request with a session cookie (or the API token with "token", none with ""). */
  call(auth: string, method: Method, url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TenantWorldOptions {
  metricsAuth?: boolean;
  /** More authenticated plugins, made with the (unscoped) hub. */
  extraPlugins?: (hub: Hub) => MountedPlugin[];
}

export async function openTenantWorld(options: TenantWorldOptions = {}): Promise<TenantWorld> {
  const dir = mkdtempSync(join(tmpdir(), "ph-tenants-api-"));
  const registry = await shippedRules();
  const hub = await openHub({
    dataDir: dir,
    registry,
    adminUser: ROOT.user,
    adapterFactories: { innovaphone: fakePbxFactory },
    sync: { retryBaseMs: 5, retryMaxMs: 50, echoGraceMs: 50 },
    undoTimeoutMs: 500,
  });
  const routes: RouteOptions[] = [];
  const app = await buildApp({
    hub,
    registry,
    admin: { user: ROOT.user, passwordHash: await hashPassword(ROOT.password) },
    apiToken: TOKEN,
    publicBaseUrl: "http://127.0.0.1:8080",
    metricsAuth: options.metricsAuth ?? true,
    maxFailedLogins: 1000,
    loginRequestsPerMinute: 1000,
    onRoute: (r) => routes.push(r),
    protectedPlugins: options.extraPlugins?.(hub),
  });
  await app.ready();

  const call: TenantWorld["call"] = (auth, method, url, payload) => {
    const headers: Record<string, string> = { "x-requested-with": "test" };
    if (auth === "token") headers.authorization = `Bearer ${TOKEN}`;
    else if (auth) headers.cookie = auth;
    const withBody = payload !== undefined || method === "POST" || method === "PUT" || method === "PATCH";
    return app.inject({ method, url, headers, ...(withBody ? { payload: (payload ?? {}) as object } : {}) });
  };
  const ok = async (res: Promise<LightMyRequestResponse>) => {
    const r = await res;
    if (r.statusCode >= 300) throw new Error(`setup call failed: ${r.statusCode} ${r.body}`);
    return r.json();
  };
  const login = async (username: string, password: string) => {
    const r = await app.inject({ method: "POST", url: "/api/auth/login", payload: { username, password } });
    if (r.statusCode !== 200) throw new Error(`login ${username}: ${r.statusCode} ${r.body}`);
    return String(r.headers["set-cookie"]).split(";")[0];
  };

  await ok(call("token", "POST", "/api/tenants", A));
  await ok(call("token", "POST", "/api/tenants", B));
  const pbx = (server: string) => ({ server, port: 443, protocol: "wss", username: "hub", password: "pbx-pw" });
  const alphaConnectors: ConnectorView[] = [
    await ok(call("token", "POST", "/api/connectors", { type: "innovaphone-dnd", tenant: A.id, name: "Qxalpha PBX", config: pbx("qxalpha.pbx.test") })),
    await ok(call("token", "POST", "/api/connectors", { type: "innovaphone-dnd", tenant: A.id, name: "Qxalpha Spare" })),
  ];
  const betaConnectors: ConnectorView[] = [
    await ok(call("token", "POST", "/api/connectors", { type: "innovaphone-dnd", tenant: B.id, name: "Beta PBX", config: pbx("beta.pbx.test") })),
  ];
  await until(() => hub.endpoints.list({ tenant: A.id }).total === 2 && hub.endpoints.list({ tenant: B.id }).total === 2, 5000, "endpoints of both tenants");
  const alphaEndpoints = hub.endpoints.list({ tenant: A.id }).items;
  const betaEndpoints = hub.endpoints.list({ tenant: B.id }).items;
  const alphaAdmin: UserView = await ok(
    call("token", "POST", "/api/users", { username: "qxalpha-admin", password: PASSWORDS.alphaAdmin, role: "tenant-admin", tenant: A.id }),
  );
  const betaAdmin: UserView = await ok(
    call("token", "POST", "/api/users", { username: "beta-admin", password: PASSWORDS.betaAdmin, role: "tenant-admin", tenant: B.id }),
  );
  const admin2: UserView = await ok(call("token", "POST", "/api/users", { username: "second-admin", password: PASSWORDS.admin2, role: "admin" }));

  const alphaSecrets = [
    A.id,
    A.name,
    alphaAdmin.id,
    alphaAdmin.username,
    ...alphaConnectors.flatMap((c) => [c.id, c.name]),
    ...alphaEndpoints.flatMap((e) => [e.id, e.pbxGuid, e.displayName, e.email, e.h323]),
  ];
  return {
    hub,
    app,
    routes,
    alpha: { connectors: alphaConnectors, endpoints: alphaEndpoints, admin: alphaAdmin },
    beta: { connectors: betaConnectors, endpoints: betaEndpoints, admin: betaAdmin },
    admin2,
    alphaSecrets,
    login,
    call,
    async close() {
      await app.close();
      await hub.close({ undo: false });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Anything of A's in a response body (names all contain "qxalpha"; ids are listed). */
export function alphaLeaks(world: TenantWorld, body: string): string[] {
  const lower = body.toLowerCase();
  const found = world.alphaSecrets.filter((s) => lower.includes(s.toLowerCase()));
  if (lower.includes("qxalpha")) found.push("qxalpha");
  return [...new Set(found)];
}
