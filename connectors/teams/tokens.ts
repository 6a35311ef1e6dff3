// Token acquisition for the Teams connector.
// - App-only (client credentials) through @azure/msal-node, cached in memory and renewed by msal
//   5 minutes before expiry; used for reads, writes and the directory.
// - Delegated service accounts (presence subscriptions need a delegated Presence.Read.All token,
//   msgraph-presence.md §0.1): a one-time admin sign-in through the authorization-code flow with PKCE,
//   then refresh-token renewal. This part speaks OAuth 2.0 directly because the hub must own and persist
//   the refresh token (encrypted, through the injected TokenStore); msal keeps refresh tokens private.
// Never log tokens, secrets, codes or verifiers.
import { createHash, randomBytes } from "node:crypto";
import { ConfidentialClientApplication, type Configuration } from "@azure/msal-node";
import { errorMessage, HubError } from "../../common/errors.js";
import { logger } from "../../common/log.js";
import type { ResolvedTeamsConfig } from "./config.js";
import type { HttpTransport } from "./http.js";
import { createMsalNetworkClient } from "./msal-network.js";

const log = logger("teams");

export interface AccessTokenSource {
  /** A valid bearer token; throws HubError AUTH_FAILED / CONNECT_FAILED / UPSTREAM. */
  getToken(): Promise<string>;
  /** Drop the cached token (after a 401 from Graph). */
  invalidate(): void;
}

/** `scope` for app-only tokens: the Graph resource of the configured cloud. */
export function appScope(cfg: ResolvedTeamsConfig): string {
  return `${cfg.graphOrigin}/.default`;
}

/** Delegated scopes a service account consents to. */
export function serviceAccountScopes(cfg: ResolvedTeamsConfig): string {
  return `${cfg.graphOrigin}/Presence.Read.All offline_access openid profile`;
}

function tokenEndpoint(cfg: ResolvedTeamsConfig): string {
  return `${cfg.authority}/${encodeURIComponent(cfg.tenantId)}/oauth2/v2.0/token`;
}

/** Turns an AADSTS error into a sentence that names the fix. */
export function describeTokenError(error: string | undefined, description: string | undefined): string {
  const d = description ?? "";
  const code = /AADSTS(\d+)/.exec(d)?.[1];
  switch (code) {
    case "7000215":
      return "The client secret is wrong (AADSTS7000215). Copy the secret's Value (not its ID) from the app registration.";
    case "7000222":
      return "The client secret has expired (AADSTS7000222). Create a new secret in the app registration.";
    case "700016":
      return "No application with this client id exists in the tenant (AADSTS700016). Check the Application (client) ID.";
    case "90002":
    case "900023":
      return `The tenant was not found (AADSTS${code}). Check the Directory (tenant) ID.`;
    case "70000":
    case "700082":
    case "50173":
      return `The service account's sign-in has expired or was revoked (AADSTS${code}). Sign the service account in again.`;
  }
  if (error === "invalid_client")
    return `The client id or secret was refused${code ? ` (AADSTS${code})` : ""}.`;
  if (error === "invalid_grant")
    return `The sign-in grant was refused${code ? ` (AADSTS${code})` : ""}; sign the service account in again.`;
  return `Token request failed: ${error ?? "unknown error"}${code ? ` (AADSTS${code})` : ""}`;
}

// ---------------------------------------------------------------- app-only

export function createAppTokenSource(cfg: ResolvedTeamsConfig, transport: HttpTransport): AccessTokenSource {
  // msal insists on an https authority; a plain-HTTP simulator is reached by rewriting in the network client.
  const httpsAuthority = cfg.authority.replace(/^http:/, "https:");
  const rewrite = cfg.authority.startsWith("http:") ? { from: httpsAuthority, to: cfg.authority } : undefined;
  const host = new URL(httpsAuthority).host;
  const network = createMsalNetworkClient(transport, rewrite);
  const msalConfig: Configuration = {
    auth: {
      clientId: cfg.clientId,
      clientSecret: cfg.clientSecret,
      authority: `${httpsAuthority}/${cfg.tenantId}`,
      // A known authority skips instance discovery against login.microsoftonline.com, which matters for
      // the simulator and national clouds; msal then reads the authority's own openid-configuration.
      knownAuthorities: [host],
      // Over plain HTTP msal would reject the http:// endpoints of the discovered metadata, so hand it https
      // endpoints up front; the network client maps them back to the http origin.
      ...(rewrite
        ? {
            authorityMetadata: JSON.stringify({
              token_endpoint: `${httpsAuthority}/${cfg.tenantId}/oauth2/v2.0/token`,
              authorization_endpoint: `${httpsAuthority}/${cfg.tenantId}/oauth2/v2.0/authorize`,
              end_session_endpoint: `${httpsAuthority}/${cfg.tenantId}/oauth2/v2.0/logout`,
              issuer: `${httpsAuthority}/${cfg.tenantId}/v2.0`,
              jwks_uri: `${httpsAuthority}/${cfg.tenantId}/discovery/v2.0/keys`,
            }),
          }
        : {}),
    },
    system: { networkClient: network, disableInternalRetries: true },
  };
  let cca = new ConfidentialClientApplication(msalConfig);
  return {
    async getToken(): Promise<string> {
      let result: Awaited<ReturnType<ConfidentialClientApplication["acquireTokenByClientCredential"]>>;
      network.lastError = undefined;
      try {
        result = await cca.acquireTokenByClientCredential({ scopes: [appScope(cfg)] });
      } catch (e) {
        throw mapMsalError(e, network.lastError);
      }
      if (!result?.accessToken)
        throw new HubError("AUTH_FAILED", "The identity platform returned no access token");
      return result.accessToken;
    },
    invalidate(): void {
      // A fresh application drops msal's in-memory cache, forcing a new client-credentials request.
      cca = new ConfidentialClientApplication(msalConfig);
    },
  };
}

function mapMsalError(e: unknown, networkError?: Error): HubError {
  if (e instanceof HubError) return e;
  if (networkError) {
    const tlsHint = /certificate|self.signed|CERT_/i.test(networkError.message)
      ? " (the server's certificate is not trusted: configure its CA)"
      : "";
    return new HubError(
      networkError instanceof HubError ? networkError.code : "CONNECT_FAILED",
      `${networkError.message}${tlsHint}`,
      { cause: e },
    );
  }
  const err = e as {
    errorCode?: string;
    errorMessage?: string;
    subError?: string;
    cause?: unknown;
    name?: string;
  };
  const code = err.errorCode ?? "";
  const cause = err.cause;
  if (cause instanceof HubError) return cause;
  if (
    /invalid_client|unauthorized_client|invalid_grant|invalid_request|invalid_tenant|invalid_scope/.test(
      code,
    ) ||
    /AADSTS/.test(err.errorMessage ?? "")
  ) {
    return new HubError("AUTH_FAILED", describeTokenError(code, err.errorMessage), { cause: e });
  }
  if (/endpoints_resolution_error|network|untrusted|openid_config|authority/i.test(code)) {
    return new HubError("CONNECT_FAILED", `Cannot reach the identity platform: ${err.errorMessage ?? code}`, {
      cause: e,
    });
  }
  return new HubError("AUTH_FAILED", `Token request failed: ${errorMessage(e)}`, { cause: e });
}

// ---------------------------------------------------------------- delegated service accounts

/** A signed-in service account as the hub persists it (the store encrypts `refreshToken`). */
export interface ServiceAccountToken {
  /** Entra object id of the service-account user. */
  accountId: string;
  username: string;
  refreshToken: string;
  /** Scopes granted, space-separated. */
  scopes: string;
  /** ISO time of the last refresh (refresh tokens die after ~90 days unused). */
  updatedAt: string;
}

/** Persistence for service-account tokens; the hub's SQLite store implements it with encryption. */
export interface TokenStore {
  load(): Promise<ServiceAccountToken[]>;
  /** Insert or replace by accountId. */
  save(token: ServiceAccountToken): Promise<void>;
  remove?(accountId: string): Promise<void>;
}

export class InMemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, ServiceAccountToken>();
  constructor(initial: ServiceAccountToken[] = []) {
    for (const t of initial) this.tokens.set(t.accountId, { ...t });
  }
  async load(): Promise<ServiceAccountToken[]> {
    return [...this.tokens.values()].map((t) => ({ ...t }));
  }
  async save(token: ServiceAccountToken): Promise<void> {
    this.tokens.set(token.accountId, { ...token });
  }
  async remove(accountId: string): Promise<void> {
    this.tokens.delete(accountId);
  }
}

export interface SignInStart {
  /** Send the admin's browser here. */
  url: string;
  /** Keep server-side (e.g. in the session) until the redirect comes back. */
  state: string;
  codeVerifier: string;
}

function base64url(buf: Buffer): string {
  return buf.toString("base64url");
}

/** Build the authorization URL for a service-account sign-in (authorization code + PKCE S256). */
export function buildServiceAccountSignInUrl(
  cfg: ResolvedTeamsConfig,
  options: { redirectUri: string; loginHint?: string },
): SignInStart {
  const state = base64url(randomBytes(24));
  const codeVerifier = base64url(randomBytes(48));
  const challenge = base64url(createHash("sha256").update(codeVerifier).digest());
  const q = new URLSearchParams({
    client_id: cfg.clientId,
    response_type: "code",
    redirect_uri: options.redirectUri,
    response_mode: "query",
    scope: serviceAccountScopes(cfg),
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
    prompt: "select_account",
  });
  if (options.loginHint) q.set("login_hint", options.loginHint);
  return {
    url: `${cfg.authority}/${encodeURIComponent(cfg.tenantId)}/oauth2/v2.0/authorize?${q}`,
    state,
    codeVerifier,
  };
}

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  id_token?: string;
  expires_in?: number;
  scope?: string;
  error?: string;
  error_description?: string;
}

async function postToken(
  cfg: ResolvedTeamsConfig,
  transport: HttpTransport,
  form: Record<string, string>,
): Promise<TokenResponse> {
  const res = await transport.request({
    method: "POST",
    url: tokenEndpoint(cfg),
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({
      client_id: cfg.clientId,
      client_secret: cfg.clientSecret,
      ...form,
    }).toString(),
    timeoutMs: cfg.requestTimeoutMs,
  });
  let body: TokenResponse;
  try {
    body = JSON.parse(res.body) as TokenResponse;
  } catch {
    throw new HubError("UPSTREAM", `Token endpoint answered HTTP ${res.status} without JSON`);
  }
  if (res.status >= 500) throw new HubError("UPSTREAM", `Token endpoint answered HTTP ${res.status}`);
  if (res.status !== 200 || !body.access_token) {
    throw new HubError("AUTH_FAILED", describeTokenError(body.error, body.error_description), {
      details: { error: body.error },
    });
  }
  return body;
}

/** Decode a JWT payload without verifying it (it came straight from the token endpoint over TLS). */
export function jwtClaims(jwt: string | undefined): Record<string, unknown> {
  if (!jwt) return {};
  try {
    return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
  } catch {
    return {};
  }
}

/**
 * Finish a service-account sign-in from the redirect: check state, redeem the code with the PKCE verifier,
 * persist the refresh token. `callbackUrl` is the full URL (or just its query string) the browser came back with.
 */
export async function completeServiceAccountSignIn(
  cfg: ResolvedTeamsConfig,
  transport: HttpTransport,
  options: {
    callbackUrl: string;
    redirectUri: string;
    expectedState: string;
    codeVerifier: string;
    store: TokenStore;
  },
): Promise<ServiceAccountToken> {
  const query = options.callbackUrl.includes("?")
    ? options.callbackUrl.slice(options.callbackUrl.indexOf("?") + 1)
    : options.callbackUrl;
  const p = new URLSearchParams(query);
  if (p.get("error")) {
    throw new HubError(
      "AUTH_FAILED",
      `The sign-in was not completed: ${p.get("error")} ${p.get("error_description") ?? ""}`.trim(),
    );
  }
  if (p.get("state") !== options.expectedState)
    throw new HubError("AUTH_FAILED", "The sign-in answer does not belong to this sign-in (state mismatch)");
  const code = p.get("code");
  if (!code) throw new HubError("AUTH_FAILED", "The sign-in answer carries no authorization code");
  const body = await postToken(cfg, transport, {
    grant_type: "authorization_code",
    code,
    redirect_uri: options.redirectUri,
    code_verifier: options.codeVerifier,
    scope: serviceAccountScopes(cfg),
  });
  if (!body.refresh_token)
    throw new HubError("AUTH_FAILED", "No refresh token was issued; offline_access consent is missing");
  const id = { ...jwtClaims(body.access_token), ...jwtClaims(body.id_token) };
  const accountId = String(id.oid ?? id.sub ?? "");
  if (!accountId) throw new HubError("PROTOCOL", "The sign-in tokens name no user (no oid claim)");
  const token: ServiceAccountToken = {
    accountId,
    username: String(id.preferred_username ?? id.upn ?? id.unique_name ?? accountId),
    refreshToken: body.refresh_token,
    scopes: body.scope ?? serviceAccountScopes(cfg),
    updatedAt: new Date().toISOString(),
  };
  await options.store.save(token);
  log.info({ accountId, username: token.username }, "service account signed in");
  return token;
}

/** Access tokens for one service account, refreshed through its refresh token (rotated ones are persisted). */
export class ServiceAccountTokenSource implements AccessTokenSource {
  private cached?: { token: string; expiresAt: number };
  private inflight?: Promise<string>;

  constructor(
    private readonly cfg: ResolvedTeamsConfig,
    private readonly transport: HttpTransport,
    private account: ServiceAccountToken,
    private readonly store: TokenStore,
  ) {}

  get accountId(): string {
    return this.account.accountId;
  }
  get username(): string {
    return this.account.username;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  getToken(): Promise<string> {
    if (this.cached && this.cached.expiresAt - 300_000 > Date.now())
      return Promise.resolve(this.cached.token);
    // One refresh at a time: concurrent refreshes would race on the rotating refresh token.
    this.inflight ??= this.refresh().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async refresh(): Promise<string> {
    const body = await postToken(this.cfg, this.transport, {
      grant_type: "refresh_token",
      refresh_token: this.account.refreshToken,
      scope: serviceAccountScopes(this.cfg),
    }).catch((e: unknown) => {
      if (e instanceof HubError && e.code === "AUTH_FAILED") {
        throw new HubError("AUTH_FAILED", `Service account ${this.account.username}: ${e.message}`, {
          cause: e,
        });
      }
      throw e;
    });
    const expiresIn = Number(body.expires_in ?? 3600);
    this.cached = { token: body.access_token!, expiresAt: Date.now() + expiresIn * 1000 };
    if (body.refresh_token && body.refresh_token !== this.account.refreshToken) {
      this.account = {
        ...this.account,
        refreshToken: body.refresh_token,
        updatedAt: new Date().toISOString(),
      };
      await this.store.save(this.account);
    }
    return this.cached.token;
  }
}
