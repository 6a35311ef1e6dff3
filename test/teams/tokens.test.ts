// Tokens against the Graph simulator over real sockets: msal client credentials (HTTPS with the simulator's
// CA, and plain HTTP), a wrong secret, and the service-account sign-in (auth code + PKCE, refresh persisted).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveTeamsConfig } from "../../connectors/teams/config.js";
import { createHttpTransport } from "../../connectors/teams/http.js";
import {
  buildServiceAccountSignInUrl,
  completeServiceAccountSignIn,
  createAppTokenSource,
  InMemoryTokenStore,
  jwtClaims,
  ServiceAccountTokenSource,
} from "../../connectors/teams/tokens.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import { sim, teamsConfig } from "./helpers.js";

describe("tokens", () => {
  let s: GraphSimulator;
  let plain: GraphSimulator;
  beforeAll(async () => {
    [s, plain] = await Promise.all([sim(), sim({ http: true })]);
  });
  afterAll(async () => {
    await Promise.all([s.close(), plain.close()]);
  });

  it("gets an app-only token through msal over HTTPS with the simulator CA and caches it", async () => {
    const cfg = resolveTeamsConfig(teamsConfig(s));
    const t = createHttpTransport({ caPem: cfg.caPem });
    const src = createAppTokenSource(cfg, t);
    const a = await src.getToken();
    const b = await src.getToken();
    expect(a).toBe(b);
    expect(jwtClaims(a)).toMatchObject({ appid: s.clientId, idtyp: "app" });
    expect(s.requests().filter((r) => r.path.includes("/oauth2/v2.0/token"))).toHaveLength(1);
    t.close();
  });

  it("works against a plain-HTTP simulator (msal sees https, the transport maps it back)", async () => {
    const cfg = resolveTeamsConfig(teamsConfig(plain));
    const t = createHttpTransport();
    expect(await createAppTokenSource(cfg, t).getToken()).toMatch(/^ey/);
    t.close();
  });

  it("names the wrong secret", async () => {
    const cfg = resolveTeamsConfig(teamsConfig(s, { clientSecret: "wrong" }));
    const t = createHttpTransport({ caPem: cfg.caPem });
    await expect(createAppTokenSource(cfg, t).getToken()).rejects.toMatchObject({
      code: "AUTH_FAILED",
      message: expect.stringContaining("AADSTS7000215"),
    });
    t.close();
  });

  it("does not trust the simulator without its CA", async () => {
    const cfg = resolveTeamsConfig(teamsConfig(s, { caPem: undefined }));
    const t = createHttpTransport();
    await expect(createAppTokenSource(cfg, t).getToken()).rejects.toMatchObject({
      message: expect.stringContaining("certificate"),
    });
    t.close();
  });

  it("signs a service account in with PKCE, persists and rotates its refresh token", async () => {
    const cfg = resolveTeamsConfig(teamsConfig(s));
    const t = createHttpTransport({ caPem: cfg.caPem });
    const store = new InMemoryTokenStore();
    const redirectUri = "http://127.0.0.1:9/signin/callback";
    const start = buildServiceAccountSignInUrl(cfg, { redirectUri });
    expect(start.url).toContain("code_challenge_method=S256");
    // The browser: the simulator auto-consents and redirects back with a code.
    const res = await t.request({ method: "GET", url: start.url });
    expect(res.status).toBe(302);
    const callback = res.headers.location!;
    // A wrong verifier is refused (PKCE is checked).
    await expect(
      completeServiceAccountSignIn(cfg, t, {
        callbackUrl: callback,
        redirectUri,
        expectedState: start.state,
        codeVerifier: "x".repeat(50),
        store,
      }),
    ).rejects.toMatchObject({ code: "AUTH_FAILED" });
    const again = await t.request({ method: "GET", url: start.url });
    await expect(
      completeServiceAccountSignIn(cfg, t, {
        callbackUrl: again.headers.location!,
        redirectUri,
        expectedState: "other",
        codeVerifier: start.codeVerifier,
        store,
      }),
    ).rejects.toThrow(/state/);
    const third = await t.request({ method: "GET", url: start.url });
    const token = await completeServiceAccountSignIn(cfg, t, {
      callbackUrl: third.headers.location!,
      redirectUri,
      expectedState: start.state,
      codeVerifier: start.codeVerifier,
      store,
    });
    expect(token.username).toBe(s.serviceAccounts[0]!.upn);
    expect((await store.load())[0]!.refreshToken).toBe(token.refreshToken);
    const src = new ServiceAccountTokenSource(cfg, t, token, store);
    const access = await src.getToken();
    expect(String(jwtClaims(access).scp)).toContain("Presence.Read.All");
    expect((await store.load())[0]!.refreshToken).not.toBe(token.refreshToken);
    t.close();
  });
});
