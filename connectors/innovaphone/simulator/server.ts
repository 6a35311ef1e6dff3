// The PBX simulator process: one HTTP(S) server on 127.0.0.1 that upgrades `/<module>/APPS/websocket` to
// simulated AppWebsocket sessions and serves the control API under `/_sim/` (see control-http.ts).
// `startPbxSimulator` returns the same controls programmatically for tests and the demo.
import { randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { type Logger, logger } from "../../../common/log.js";
import type { PbxSimulator } from "./api.js";
import { handleControlRequest } from "./control-http.js";
import { PbxModel } from "./model.js";
import { SimSession } from "./session.js";
import type { PbxSimulatorOptions, SimAppObject, SimFaults, SimLogEntry } from "./types.js";

export type { PbxSimulator } from "./api.js";

async function selfSignedPem(): Promise<{ cert: string; key: string }> {
  const selfsigned = await import("selfsigned");
  const pems = await selfsigned.generate([{ name: "commonName", value: "localhost" }], {
    keySize: 2048,
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

export async function startPbxSimulator(options: PbxSimulatorOptions = {}): Promise<PbxSimulator> {
  const log: Logger = logger("pbx-sim");
  const initialApps: SimAppObject[] = options.apps ?? [{ name: "presence-hub", password: "secret" }];
  const initialUsers = options.users ?? [];
  const modulePath = (options.modulePath ?? "PBX0").replace(/^\/+|\/+$/g, "");
  const wsPath = `/${modulePath}/APPS/websocket`;
  const policy = {
    activities: new Set(options.forwardActivities ?? ["busy", "dnd", "away"]),
    scope: options.forwardPresenceScope ?? "any",
    onThePhone: options.onThePhonePresence !== false,
  } as const;
  let model = new PbxModel({ ...policy, activities: new Set(policy.activities) });
  const appMap = new Map<string, SimAppObject>();
  const seedApps = () => {
    appMap.clear();
    for (const a of initialApps) appMap.set(a.name, { ...a, apis: a.apis ? [...a.apis] : undefined });
  };
  const seedUsers = () => {
    for (const u of initialUsers) model.addUser(u, true);
  };
  seedApps();
  seedUsers();
  let faults: SimFaults = {};
  let entries: SimLogEntry[] = [];
  const logLimit = options.logLimit ?? 100_000;
  const sessions = new Set<SimSession>();
  const stats = { connections: 0, logins: 0, loginFailures: 0, challenges: 0 };
  const ctx = {
    get model() {
      return model;
    },
    options,
    get faults() {
      return faults;
    },
    apps: () => appMap,
    record: (e: SimLogEntry) => {
      entries.push(e);
      // Trim in chunks: a splice per message at a full log costs O(limit) each (seconds at 100,000 users).
      if (entries.length > logLimit + (logLimit >> 3)) entries = entries.slice(-logLimit);
    },
    stats,
    dbGuid: randomBytes(16).toString("hex"),
  };

  let tlsPem: { cert: string; key: string } | undefined;
  if (options.tls) tlsPem = options.tls === true ? await selfSignedPem() : options.tls;

  let sim!: PbxSimulator;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.url?.startsWith("/_sim/")) {
      void handleControlRequest(sim, req, res);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  };
  const server = tlsPem
    ? https.createServer({ cert: tlsPem.cert, key: tlsPem.key }, onRequest)
    : http.createServer(onRequest);
  // autoPong off: the session answers pings itself so a "silent PBX" can ignore them.
  const wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false });
  server.on("upgrade", (req, socket, head) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== wsPath) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      stats.connections++;
      const s = new SimSession(stats.connections, ws, ctx);
      sessions.add(s);
      ws.on("close", () => sessions.delete(s));
    });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = tlsPem ? "s" : "";
  log.info({ port, tls: !!tlsPem, users: model.users.size }, "PBX simulator listening");

  const dropAll = () => {
    for (const s of [...sessions]) s.close();
    sessions.clear();
  };

  sim = {
    port,
    url: `ws${scheme}://${host}:${port}${wsPath}`,
    httpUrl: `http${scheme}://${host}:${port}`,
    certPem: tlsPem?.cert,
    get model() {
      return model;
    },
    users: () => [...model.users.keys()].map((g) => model.snapshot(g)),
    user: (key) => model.snapshot(key),
    addUser: (u) => model.addUser(u).guid,
    updateUser: (key, patch) => {
      model.updateUser(key, patch);
    },
    deleteUser: (key) => model.deleteUser(key),
    setOwnPresence: (key, activity, note = "", contact = "tel:") => {
      model.setPresence(key, { contact, activity, note }, options.clearDeletesSlot);
    },
    startCall: (key, opts) => model.startCall(key, opts).id,
    answerCall: (id) => {
      model.answerCall(id);
    },
    holdCall: (id, hold = true) => {
      model.holdCall(id, hold);
    },
    endCall: (id) => model.endCall(id),
    dial: (key, opts) => model.simulateIncomingCall(key, opts),
    dropAll,
    setFaults: (f) => {
      faults = { ...faults, ...f };
    },
    faults: () => ({ ...faults }),
    setApp: (a) => {
      appMap.set(a.name, { ...a });
    },
    log: () => entries.slice(-logLimit),
    clearLog: () => {
      entries = [];
    },
    sendRaw: (text) => {
      for (const s of sessions) s.sendRaw(text);
    },
    stats: () => ({ ...stats, open: sessions.size }),
    reset: () => {
      dropAll();
      faults = {};
      entries = [];
      model = new PbxModel({ ...policy, activities: new Set(policy.activities) });
      seedApps();
      seedUsers();
      stats.connections = 0;
      stats.logins = 0;
      stats.loginFailures = 0;
      stats.challenges = 0;
    },
    close: async () => {
      dropAll();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
    },
  };
  return sim;
}
