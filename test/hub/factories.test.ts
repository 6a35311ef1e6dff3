// The built-in factories map hub records onto the connectors' own config shapes: webhook URLs, the Graph
// session expiration (always set, so a dead hub's Teams DND fades), poll interval, module path, TLS.
import { describe, expect, it } from "vitest";
import { toInnovaphoneConfig } from "../../connectors/innovaphone/settings.js";
import { toTeamsConfig } from "../../connectors/teams/settings.js";

describe("factories", () => {
  it("Teams: webhook routes, session expiration and polling", () => {
    const c = toTeamsConfig({
      tenantId: "t",
      clientId: "c",
      clientSecret: "s",
      authorityUrl: "https://login.example",
      graphUrl: "https://graph.example",
      webhookBaseUrl: "https://hub.example/",
      pollIntervalSeconds: 30,
      sessionExpirationSeconds: 600,
    });
    expect(c).toMatchObject({
      authority: "https://login.example",
      graphBaseUrl: "https://graph.example",
      notificationUrl: "https://hub.example/graph/notify",
      lifecycleNotificationUrl: "https://hub.example/graph/lifecycle",
      pollIntervalMs: 30_000,
      presenceExpiration: "PT10M",
    });
    const clamped = toTeamsConfig({
      ...c,
      clientSecret: "s",
      authorityUrl: "a",
      graphUrl: "g",
      tenantId: "t",
      clientId: "c",
      pollIntervalSeconds: 5,
      sessionExpirationSeconds: 60,
    });
    expect(clamped.presenceExpiration).toBe("PT5M");
    expect(clamped.notificationUrl).toBeUndefined();
  });

  it("innovaphone: module path normalized, TLS passed through", () => {
    const c = toInnovaphoneConfig({
      server: "pbx",
      port: 443,
      protocol: "wss",
      username: "app",
      password: "pw",
      modulePath: "/PBX0/",
      tls: { ca: "-----BEGIN CERTIFICATE-----x", insecure: false },
    });
    expect(c).toMatchObject({
      modulePath: "PBX0",
      tls: { ca: "-----BEGIN CERTIFICATE-----x", insecure: false },
    });
  });
});
