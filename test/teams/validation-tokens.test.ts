// The validationTokens check of rich notifications (msgraph-presence.md §3.8), claim by claim: a token signed
// with the right key must still be rejected when it was issued for another app (aud), to another caller
// than Graph Change Tracking (azp in v2, appid in v1), for another tenant, or by an issuer that does not
// belong to its tenant. Each case fails if the check of that one claim is removed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveTeamsConfig } from "../../connectors/teams/config.js";
import { ValidationTokenVerifier } from "../../connectors/teams/crypto.js";
import { createHttpTransport, type HttpTransport } from "../../connectors/teams/http.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import { sim, teamsConfig } from "./helpers.js";

const OTHER_APP = "11111111-2222-3333-4444-555555555555";
const OTHER_TENANT = "99999999-8888-7777-6666-555555555555";

describe("validationTokens", () => {
  let s: GraphSimulator;
  let t: HttpTransport;
  let verifier: ValidationTokenVerifier;

  beforeAll(async () => {
    s = await sim();
    const cfg = resolveTeamsConfig(teamsConfig(s));
    t = createHttpTransport({ caPem: cfg.caPem });
    verifier = new ValidationTokenVerifier(cfg, t);
  });
  afterAll(async () => {
    t.close();
    await s.close();
  });

  const rejected = async (token: Promise<string>, tenantId = s.tenantId) => {
    await expect(verifier.verify(await token, tenantId)).rejects.toMatchObject({ code: "PROTOCOL" });
  };

  it("accepts genuine v2 and v1 tokens", async () => {
    await expect(verifier.verify(await s.mintValidationToken(), s.tenantId)).resolves.toBeUndefined();
    await expect(
      verifier.verify(await s.mintValidationToken({ version: "1.0" }), s.tenantId),
    ).resolves.toBeUndefined();
  });

  it("rejects a token for another app (aud)", async () => {
    await rejected(s.mintValidationToken({ audience: OTHER_APP }));
  });

  it("rejects a token whose caller is not Graph Change Tracking (azp in v2)", async () => {
    await rejected(s.mintValidationToken({ caller: OTHER_APP }));
    // azp decides in v2 tokens, even when appid looks right
    await rejected(s.mintValidationToken({ azp: OTHER_APP }));
  });

  it("rejects a v1 token whose appid is not Graph Change Tracking", async () => {
    await rejected(s.mintValidationToken({ version: "1.0", caller: OTHER_APP }));
  });

  it("rejects a token of another tenant, whatever tenant the item claims", async () => {
    await rejected(s.mintValidationToken({ tenantId: OTHER_TENANT }));
    // The item's tenantId is as forgeable as the rest of the body: the configured tenant decides.
    await rejected(s.mintValidationToken({ tenantId: OTHER_TENANT }), OTHER_TENANT);
  });

  it("rejects an issuer that is not the token's tenant's", async () => {
    await rejected(s.mintValidationToken({ issuer: `${s.url}/${OTHER_TENANT}/v2.0` }));
    await rejected(s.mintValidationToken({ issuer: "https://issuer.example/" }));
  });
});
