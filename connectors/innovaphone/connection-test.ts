// The connection test behind the UI's Test button and `presence-hub pbx test`: connect, log in, probe
// PbxApi, PbxTableUsers, PbxAdminApi and RCC, and explain each result in plain words. Bounded by one
// overall timeout; an API that is not enabled on the App object usually shows as silence, so every probe
// has its own short timeout.
import { errorMessage, HubError, isHubError } from "../../common/errors.js";
import { logger } from "../../common/log.js";
import type { ConnectionTestResult, TestStep } from "../../engine/ports/adapters.js";
import { configurationFailure } from "../../engine/ports/connection-test.js";
import { ADMIN_API } from "./admin-cfb.js";
import { AppWebsocketClient, appWebsocketUrl, newSrc, type SocketFactory } from "./client.js";
import { type InnovaphoneConfig, validateInnovaphoneConfig } from "./config.js";
import { PBX_API } from "./presence.js";
import { RCC_API } from "./rcc.js";
import { replicateUsers } from "./replication.js";

const STEP_ORDER = [
  "Configuration",
  "Connect",
  "Login",
  "PbxApi",
  "PbxAdminApi",
  "PbxTableUsers",
  "Call forward based on Presence",
  "Visibility",
  "RCC",
  "Connection",
  "Timeout",
];

export interface ConnectionTestOptions {
  /** Overall bound, default 10000 ms. */
  timeoutMs?: number;
  /** Bound for each API probe, default a quarter of timeoutMs, at most 3000 ms (clamped to the time left). */
  probeTimeoutMs?: number;
  socketFactory?: SocketFactory;
}

export async function testInnovaphoneConnection(
  config: InnovaphoneConfig,
  options: ConnectionTestOptions = {},
): Promise<ConnectionTestResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  const probe = () =>
    Math.min(options.probeTimeoutMs ?? Math.min(3000, Math.max(250, timeoutMs / 4)), left());
  const steps: TestStep[] = [];
  const add = (step: string, level: "ok" | "warn" | "error", message: string) =>
    steps.push({ step, ok: level !== "error", level, message });
  const finish = (): ConnectionTestResult => {
    // Report in reading order (the probes run in dependency order: the user list first, for a guid).
    steps.sort((a, b) => STEP_ORDER.indexOf(a.step) - STEP_ORDER.indexOf(b.step));
    const ok = steps.length > 0 && steps.every((s) => s.ok) && steps.some((s) => s.step === "PbxTableUsers");
    return { ok, summary: steps.map((s) => s.message).join("; "), steps };
  };

  try {
    validateInnovaphoneConfig(config);
  } catch (e) {
    return configurationFailure(errorMessage(e));
  }
  const client = new AppWebsocketClient({
    url: appWebsocketUrl(config.protocol, config.server, config.port, config.modulePath),
    app: config.username,
    password: config.password,
    tls: config.tls,
    connectTimeoutMs: left(),
    pingIntervalMs: 0,
    socketFactory: options.socketFactory,
    log: logger("innovaphone", { test: true }),
  });
  let timedOut = false;
  const overall = setTimeout(() => {
    timedOut = true;
    client.close(`Connection test timed out after ${timeoutMs} ms`);
  }, timeoutMs);
  try {
    try {
      await client.connect();
      add("Connect", "ok", "Connected");
    } catch (e) {
      if (isHubError(e, "AUTH_FAILED")) {
        add("Connect", "ok", "Connected");
        add("Login", "error", "Login failed: wrong app object name or password");
      } else if (isHubError(e, "CONNECT_FAILED")) add("Connect", "error", errorMessage(e));
      else {
        add("Connect", "ok", "Connected");
        add("Login", "error", `Login failed: ${errorMessage(e)}`);
      }
      return finish();
    }

    try {
      await client.request(PBX_API, "GetNodeInfo", {}, { timeoutMs: probe() });
      add("PbxApi", "ok", "PbxApi OK");
    } catch (e) {
      if (isHubError(e, "CONNECTION_CLOSED")) throw e;
      add(
        "PbxApi",
        "error",
        `PbxApi not available — enable the PbxApi checkmark on the App object (${errorMessage(e)})`,
      );
    }

    let firstGuid: string | undefined;
    let firstH323 = "";
    try {
      const users = await replicateUsers(
        client,
        { row: () => {}, removed: () => {} },
        { timeoutMs: probe(), columns: ["guid", "h323", "cfpr", "t-cfpr", "cds"] },
      );
      const list = [...users.values()];
      firstGuid = list[0]?.guid;
      firstH323 = list.find((u) => u.h323)?.h323 ?? "";
      add(
        "PbxTableUsers",
        list.length ? "ok" : "warn",
        list.length
          ? `${list.length} users visible`
          : "0 users visible — check the App object's TableUsers checkmark and the PBX",
      );
      const off = list.filter((u) => u.cfpr !== true).length;
      if (list.length) {
        add(
          "Call forward based on Presence",
          off ? "warn" : "ok",
          off
            ? `${off} user${off === 1 ? " has" : "s have"} Call forward based on Presence off`
            : "All users have Call forward based on Presence on",
        );
      }
    } catch (e) {
      if (isHubError(e, "CONNECTION_CLOSED")) throw e;
      add(
        "PbxTableUsers",
        "error",
        `User list not available — enable the TableUsers checkmark (${errorMessage(e)})`,
      );
    }

    const pbxApiOk = steps.some((x) => x.step === "PbxApi" && x.ok);
    if (pbxApiOk && firstH323) await probeVisibility(client, firstH323, probe(), add);

    try {
      const res = firstGuid
        ? await client.request(
            ADMIN_API,
            "GetObject",
            { guid: firstGuid, properties: ["cds"] },
            { timeoutMs: probe() },
          )
        : await client.request(ADMIN_API, "SearchUsers", { cn: "", limit: 1 }, { timeoutMs: probe() });
      if (res.error !== undefined && res.error !== 0)
        throw new HubError("ACCESS_DENIED", String(res.errorText ?? res.error));
      add("PbxAdminApi", "ok", "Admin access OK");
    } catch (e) {
      if (isHubError(e, "CONNECTION_CLOSED")) throw e;
      add(
        "PbxAdminApi",
        "warn",
        "Admin access missing — e-mail addresses and the CFB fallback are unavailable",
      );
    }

    try {
      await client.request(RCC_API, "Initialize", { calls: true }, { timeoutMs: probe() });
      add("RCC", "ok", "RCC OK");
    } catch (e) {
      if (isHubError(e, "CONNECTION_CLOSED")) throw e;
      add("RCC", "warn", "RCC access missing — PBX call state (busy on a PBX call) is unavailable");
    }
  } catch (e) {
    add(timedOut ? "Timeout" : "Connection", "error", errorMessage(e));
  } finally {
    clearTimeout(overall);
    client.close("Connection test finished");
  }
  return finish();
}

/**
 * Subscribe to one user's presence and see whether the PBX lets the App object watch it (Visibility entry).
 * A monitor that reports up:false, or silence, means the hub would see no presence for such users.
 */
async function probeVisibility(
  client: AppWebsocketClient,
  h323: string,
  timeoutMs: number,
  add: (step: string, level: "ok" | "warn" | "error", message: string) => void,
): Promise<void> {
  const src = newSrc("vis");
  let resolveSeen!: (up: boolean) => void;
  const seen = new Promise<boolean>((r) => {
    resolveSeen = r;
  });
  const stop = client.listen(src, (msg) => {
    if (msg.mt === "PresenceState") resolveSeen(msg.up === true);
    else if (msg.mt === "PresenceUpdate") resolveSeen(true);
  });
  const timer = setTimeout(() => resolveSeen(false), timeoutMs);
  try {
    await client.request(PBX_API, "SubscribePresence", { sip: h323 }, { src, timeoutMs });
    const up = await seen;
    if (up) add("Visibility", "ok", "Presence visible");
    else {
      add(
        "Visibility",
        "warn",
        `Presence of ${h323} not visible — add a Visibility entry for the App object (Online, Presence, Presence Note, On the phone) to the users or their template`,
      );
    }
    client.send({ api: PBX_API, mt: "UnsubscribePresence", sip: h323, src });
  } catch (e) {
    if (isHubError(e, "CONNECTION_CLOSED")) throw e;
  } finally {
    clearTimeout(timer);
    stop();
  }
}
