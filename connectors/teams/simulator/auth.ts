// Identity-platform half of the Graph simulator: token endpoint (client credentials, authorization code
// with PKCE, refresh token), the authorize endpoint that auto-consents for a seeded service account, and
// the discovery documents msal-node reads (openid-configuration, instance discovery, JWKS). Tokens are
// RS256 JWTs; their validity is tracked on the virtual clock so tests can expire them.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import type { VirtualClock } from "./state.js";

export interface SimClient {
  clientId: string;
  clientSecret: string;
  /** Application permissions granted (admin-consented). */
  roles?: string[];
}

export interface SimServiceAccount {
  id?: string;
  upn: string;
}

export interface TokenClaims {
  kind: "app" | "user";
  appId: string;
  tenantId: string;
  roles: string[];
  scopes: string[];
  /** Object id of the user (delegated) or service principal (app). */
  oid: string;
  upn?: string;
  expiresAt: number;
}

interface AuthCode {
  clientId: string;
  redirectUri: string;
  challenge?: string;
  method?: string;
  userId: string;
  scope: string;
  expiresAt: number;
}

export const DEFAULT_APP_ROLES = ["Presence.ReadWrite.All", "User.Read.All"];
export const CHANGE_TRACKING_APP_ID = "0bf30f3b-4a52-48df-9a82-234910c4a086";

export interface TokenReply {
  status: number;
  body: Record<string, unknown>;
}

export class SimAuth {
  private key!: CryptoKey;
  jwk!: JWK;
  readonly kid = `sim-${randomBytes(4).toString("hex")}`;
  private readonly accessTokens = new Map<string, TokenClaims>();
  private readonly refreshTokens = new Map<string, { clientId: string; userId: string; scope: string }>();
  private readonly codes = new Map<string, AuthCode>();
  readonly clients = new Map<string, SimClient>();
  readonly serviceAccounts = new Map<string, { id: string; upn: string }>();
  tokenLifetimeSec = 3599;

  constructor(
    private readonly clock: VirtualClock,
    readonly tenantId: string,
    private readonly baseUrl: () => string,
  ) {}

  async init(): Promise<void> {
    const kp = await generateKeyPair("RS256", { extractable: true });
    this.key = kp.privateKey;
    this.jwk = { ...(await exportJWK(kp.publicKey)), kid: this.kid, use: "sig", alg: "RS256" };
  }

  addClient(c: SimClient): void {
    this.clients.set(c.clientId, { ...c, roles: c.roles ?? DEFAULT_APP_ROLES });
  }

  addServiceAccount(a: SimServiceAccount): { id: string; upn: string } {
    const acc = { id: a.id ?? randomUUID(), upn: a.upn };
    this.serviceAccounts.set(acc.id, acc);
    return acc;
  }

  issuer(): string {
    return `${this.baseUrl()}/${this.tenantId}/v2.0`;
  }

  /** Tenant path segment: the tenant id, a domain, or organizations/common. */
  tenantMatches(t: string): boolean {
    return t === this.tenantId || t.includes(".") || t === "organizations" || t === "common";
  }

  lookup(bearer: string): TokenClaims | undefined {
    const c = this.accessTokens.get(bearer);
    if (!c) return undefined;
    if (c.expiresAt <= this.clock.now()) {
      this.accessTokens.delete(bearer);
      return undefined;
    }
    return c;
  }

  /** Expire every issued access token now (control API: simulate an expired token). */
  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  async sign(
    claims: Record<string, unknown>,
    audience: string,
    lifetimeSec: number,
    issuer = this.issuer(),
  ): Promise<string> {
    const nowSec = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: this.kid, typ: "JWT" })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(nowSec)
      .setNotBefore(nowSec - 60)
      .setExpirationTime(nowSec + lifetimeSec)
      .sign(this.key);
  }

  authorize(q: URLSearchParams): { status: number; location?: string; error?: string } {
    const clientId = q.get("client_id") ?? "";
    const redirectUri = q.get("redirect_uri") ?? "";
    if (!this.clients.has(clientId))
      return { status: 400, error: "AADSTS700016: Application not found in the directory." };
    if (!redirectUri)
      return { status: 400, error: "AADSTS900144: The request body must contain redirect_uri." };
    const hint = q.get("login_hint")?.toLowerCase();
    const accounts = [...this.serviceAccounts.values()];
    const acc = (hint ? accounts.find((a) => a.upn.toLowerCase() === hint) : undefined) ?? accounts[0];
    const back = new URL(redirectUri);
    if (!acc) {
      back.searchParams.set("error", "access_denied");
      back.searchParams.set(
        "error_description",
        "AADSTS50020: No service account is seeded in the simulator.",
      );
    } else {
      const code = randomBytes(24).toString("base64url");
      this.codes.set(code, {
        clientId,
        redirectUri,
        challenge: q.get("code_challenge") ?? undefined,
        method: q.get("code_challenge_method") ?? undefined,
        userId: acc.id,
        scope: q.get("scope") ?? "",
        expiresAt: this.clock.now() + 10 * 60_000,
      });
      back.searchParams.set("code", code);
    }
    const state = q.get("state");
    if (state) back.searchParams.set("state", state);
    return { status: 302, location: back.toString() };
  }

  async token(tenant: string, form: URLSearchParams): Promise<TokenReply> {
    const fail = (status: number, error: string, description: string, code: number): TokenReply => ({
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
        error_codes: [code],
        timestamp: new Date().toISOString(),
        trace_id: randomUUID(),
        correlation_id: randomUUID(),
      },
    });
    if (!this.tenantMatches(tenant))
      return fail(400, "invalid_request", `Tenant '${tenant}' not found.`, 90002);
    const clientId = form.get("client_id") ?? "";
    const client = this.clients.get(clientId);
    if (!client)
      return fail(
        400,
        "unauthorized_client",
        `Application with identifier '${clientId}' was not found in the directory.`,
        700016,
      );
    if (form.get("client_secret") !== client.clientSecret) {
      return fail(
        401,
        "invalid_client",
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
        7000215,
      );
    }
    const grant = form.get("grant_type");
    if (grant === "client_credentials") {
      const jwt = await this.sign(
        {
          tid: this.tenantId,
          appid: clientId,
          azp: clientId,
          roles: client.roles,
          idtyp: "app",
          oid: `sp-${clientId}`,
          ver: "2.0",
        },
        "https://graph.microsoft.com",
        this.tokenLifetimeSec,
      );
      this.accessTokens.set(jwt, {
        kind: "app",
        appId: clientId,
        tenantId: this.tenantId,
        roles: client.roles ?? [],
        scopes: [],
        oid: `sp-${clientId}`,
        expiresAt: this.clock.now() + this.tokenLifetimeSec * 1000,
      });
      return {
        status: 200,
        body: {
          token_type: "Bearer",
          expires_in: this.tokenLifetimeSec,
          ext_expires_in: this.tokenLifetimeSec,
          access_token: jwt,
        },
      };
    }
    if (grant === "authorization_code") {
      const code = this.codes.get(form.get("code") ?? "");
      this.codes.delete(form.get("code") ?? "");
      if (!code || code.expiresAt <= this.clock.now() || code.clientId !== clientId) {
        return fail(
          400,
          "invalid_grant",
          "The provided authorization code or refresh token has expired or is invalid.",
          70000,
        );
      }
      if (code.redirectUri !== form.get("redirect_uri"))
        return fail(400, "invalid_grant", "The reply URL does not match the one used for the code.", 500117);
      if (code.challenge) {
        const verifier = form.get("code_verifier") ?? "";
        const computed =
          code.method === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
        if (computed !== code.challenge)
          return fail(
            400,
            "invalid_grant",
            "The code_verifier does not match the code_challenge supplied in the authorization request.",
            501481,
          );
      }
      return this.userTokens(clientId, code.userId, code.scope || (form.get("scope") ?? ""));
    }
    if (grant === "refresh_token") {
      const rt = this.refreshTokens.get(form.get("refresh_token") ?? "");
      if (!rt || rt.clientId !== clientId)
        return fail(400, "invalid_grant", "The refresh token has expired or was revoked.", 70000);
      return this.userTokens(clientId, rt.userId, rt.scope);
    }
    return fail(400, "unsupported_grant_type", `The grant type '${grant}' is not supported.`, 70003);
  }

  issuedRefreshTokens(): string[] {
    return [...this.refreshTokens.keys()];
  }

  /** Revoke every refresh token of a user (control API: force a new sign-in). */
  revokeUser(userId: string): void {
    for (const [k, v] of this.refreshTokens) if (v.userId === userId) this.refreshTokens.delete(k);
  }

  private async userTokens(clientId: string, userId: string, scope: string): Promise<TokenReply> {
    const acc = this.serviceAccounts.get(userId);
    const upn = acc?.upn ?? userId;
    const scopes = ["Presence.Read.All", "User.Read"];
    const jwt = await this.sign(
      {
        tid: this.tenantId,
        appid: clientId,
        azp: clientId,
        scp: scopes.join(" "),
        idtyp: "user",
        oid: userId,
        upn,
        ver: "2.0",
      },
      "https://graph.microsoft.com",
      this.tokenLifetimeSec,
    );
    this.accessTokens.set(jwt, {
      kind: "user",
      appId: clientId,
      tenantId: this.tenantId,
      roles: [],
      scopes,
      oid: userId,
      upn,
      expiresAt: this.clock.now() + this.tokenLifetimeSec * 1000,
    });
    const idToken = await this.sign(
      { tid: this.tenantId, oid: userId, sub: userId, preferred_username: upn, name: upn, ver: "2.0" },
      clientId,
      3600,
    );
    const refresh = randomBytes(32).toString("base64url");
    this.refreshTokens.set(refresh, { clientId, userId, scope });
    return {
      status: 200,
      body: {
        token_type: "Bearer",
        scope: scope || scopes.map((s) => `https://graph.microsoft.com/${s}`).join(" "),
        expires_in: this.tokenLifetimeSec,
        ext_expires_in: this.tokenLifetimeSec,
        access_token: jwt,
        refresh_token: refresh,
        id_token: idToken,
      },
    };
  }

  openidConfiguration(tenant: string): Record<string, unknown> {
    const base = this.baseUrl();
    return {
      issuer: `${base}/${this.tenantId}/v2.0`,
      token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
      authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
      jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "oid", "tid", "preferred_username"],
      tenant_region_scope: "EU",
      cloud_instance_name: new URL(base).host,
      msgraph_host: new URL(base).host,
    };
  }

  instanceDiscovery(tenant: string): Record<string, unknown> {
    const host = new URL(this.baseUrl()).host;
    return {
      tenant_discovery_endpoint: `${this.baseUrl()}/${tenant}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  }

  /**
   * A validationTokens JWT as Graph puts it in rich notifications (§3.8), signed with the simulator's key.
   * `overrides` mint a token that only looks right — for another app (audience), another caller (azp /
   * appid), another tenant or issuer, or a v1 token without `azp` — so tests can check each claim is checked.
   */
  validationToken(appId: string, overrides: ValidationTokenOverrides = {}): Promise<string> {
    const tid = overrides.tenantId ?? this.tenantId;
    const caller = overrides.caller ?? CHANGE_TRACKING_APP_ID;
    const claims: Record<string, unknown> = {
      tid,
      ...(overrides.version === "1.0" ? {} : { azp: overrides.azp ?? caller }),
      appid: caller,
      ver: overrides.version ?? "2.0",
      oid: randomUUID(),
    };
    const issuer =
      overrides.issuer ??
      (overrides.version === "1.0" ? `https://sts.windows.net/${tid}/` : `${this.baseUrl()}/${tid}/v2.0`);
    return this.sign(claims, overrides.audience ?? appId, 3600, issuer);
  }
}

/** How a minted validationToken differs from a genuine one (all optional). */
export interface ValidationTokenOverrides {
  /** `aud`; default the subscribing app's id. */
  audience?: string;
  /** `azp` and `appid`; default the Graph Change Tracking app. */
  caller?: string;
  /** Only `azp` (v2 tokens), e.g. to make it disagree with `appid`. */
  azp?: string;
  /** `tid` (and the default issuer's tenant). */
  tenantId?: string;
  /** `iss`; default the authority's issuer for `tid` (v1: https://sts.windows.net/<tid>/). */
  issuer?: string;
  /** "1.0": no `azp`, the caller in `appid` only. Default "2.0". */
  version?: "1.0" | "2.0";
}
