// Connection test for Microsoft 365 (UI Test button, `presence-hub teams test`): token, directory read,
// presence read, write permission and the service accounts' subscription right, each in plain words.
// Nothing is written to any user's presence: the write permission is read from the token's roles.
import { errorMessage, isHubError } from "../../common/errors.js";
import type { ConnectionTestResult, TestStep } from "../../engine/ports/adapters.js";
import { configurationFailure } from "../../engine/ports/connection-test.js";
import { resolveTeamsConfig, type TeamsConfig } from "./config.js";
import { GraphClient } from "./graph-client.js";
import { createHttpTransport } from "./http.js";
import { createAppTokenSource, jwtClaims, ServiceAccountTokenSource, type TokenStore } from "./tokens.js";

export interface TeamsConnectionTestOptions {
  /** Per request; default 15 s. */
  timeoutMs?: number;
  /** Signed-in service accounts to check (the hub's store); absent = reported as "none signed in". */
  tokenStore?: TokenStore;
}

export async function testTeamsConnection(
  config: TeamsConfig,
  options: TeamsConnectionTestOptions = {},
): Promise<ConnectionTestResult> {
  const steps: TestStep[] = [];
  const ok = (step: string, message: string) => steps.push({ step, ok: true, level: "ok", message });
  const warn = (step: string, message: string) => steps.push({ step, ok: true, level: "warn", message });
  const fail = (step: string, message: string) => steps.push({ step, ok: false, level: "error", message });
  const done = (): ConnectionTestResult => {
    const failed = steps.find((s) => !s.ok);
    const warned = steps.filter((s) => s.level === "warn").length;
    return {
      ok: !failed,
      summary: failed
        ? `Microsoft 365 is not usable: ${failed.step} failed`
        : warned
          ? `Microsoft 365 is usable with ${warned} warning(s)`
          : "Microsoft 365 is usable",
      steps,
    };
  };

  let cfg: ReturnType<typeof resolveTeamsConfig>;
  try {
    cfg = resolveTeamsConfig({ ...config, requestTimeoutMs: options.timeoutMs ?? 15_000, maxRetries: 0 });
  } catch (e) {
    return configurationFailure(errorMessage(e), "Microsoft 365 is not usable: Configuration failed");
  }
  const transport = createHttpTransport({ caPem: cfg.caPem, timeoutMs: cfg.requestTimeoutMs });
  try {
    const appToken = createAppTokenSource(cfg, transport);
    let token: string;
    try {
      token = await appToken.getToken();
      ok("Token", `Signed in to tenant ${cfg.tenantId} as application ${cfg.clientId}.`);
    } catch (e) {
      fail("Token", `Could not get a token from ${cfg.authority}: ${errorMessage(e)}`);
      return done();
    }
    const graph = new GraphClient(cfg, transport);
    const roles = new Set((jwtClaims(token).roles as string[] | undefined) ?? []);

    let firstUser: string | undefined;
    try {
      const res = await graph.request<{ value?: Array<{ id: string }> }>(
        "GET",
        "/users?$select=id,mail,userPrincipalName,displayName&$top=1",
        { token: appToken, maxRetries: 0 },
      );
      firstUser = res.body?.value?.[0]?.id;
      ok(
        "Directory read",
        firstUser
          ? "The user directory can be read (User.ReadBasic.All)."
          : "The directory can be read but lists no users.",
      );
    } catch (e) {
      fail(
        "Directory read",
        isHubError(e, "ACCESS_DENIED")
          ? "Reading users was refused: grant the application permission User.ReadBasic.All (or User.Read.All) and admin consent."
          : errorMessage(e),
      );
    }

    if (firstUser) {
      try {
        await graph.request("POST", "/communications/getPresencesByUserId", {
          token: appToken,
          body: { ids: [firstUser] },
          maxRetries: 0,
        });
        ok("Presence read", "Teams presence can be read (Presence.Read.All).");
      } catch (e) {
        fail(
          "Presence read",
          isHubError(e, "ACCESS_DENIED")
            ? "Reading presence was refused: grant the application permission Presence.Read.All or Presence.ReadWrite.All and admin consent."
            : errorMessage(e),
        );
      }
    } else {
      warn("Presence read", "Skipped: no user to read presence for.");
    }

    if (roles.has("Presence.ReadWrite.All"))
      ok("Write permission", "The hub may set presence in its own session (Presence.ReadWrite.All).");
    else
      fail(
        "Write permission",
        "The token lacks Presence.ReadWrite.All: the hub could not set Teams presence during PBX calls. Grant it and admin consent.",
      );

    const accounts = options.tokenStore ? await options.tokenStore.load() : [];
    if (accounts.length === 0) {
      warn(
        "Service account",
        "No service account is signed in: Teams presence will be polled instead of pushed. Sign one in for every 650 users.",
      );
    } else {
      for (const a of accounts) {
        const src = new ServiceAccountTokenSource(cfg, transport, a, options.tokenStore!);
        try {
          const t = await src.getToken();
          const scp = String(jwtClaims(t).scp ?? "");
          if (/Presence\.Read(Write)?\.All/i.test(scp))
            ok(
              `Service account ${a.username}`,
              "Signed in with the delegated right to subscribe to presence (Presence.Read.All).",
            );
          else
            fail(
              `Service account ${a.username}`,
              "Signed in but without delegated Presence.Read.All: consent to it and sign in again.",
            );
        } catch (e) {
          fail(`Service account ${a.username}`, errorMessage(e));
        }
      }
      if (!cfg.notificationUrl)
        warn(
          "Notification URL",
          "No public HTTPS notification URL is configured: subscriptions cannot be created, presence will be polled.",
        );
    }
    return done();
  } finally {
    transport.close();
  }
}
