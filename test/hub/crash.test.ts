// Crash (SIGKILL) and restart of a hub process mid-call, over real sockets against both simulators:
// nothing the hub set is forgotten — what the rules still want stays, and it is undone when the calls end,
// including calls that ended while the hub was dead.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import { type GraphSimulator, startGraphSimulator } from "../../connectors/teams/simulator/server.js";
import { until } from "../sync/fakes.js";

const APP = { name: "presence-hub", password: "crash-app-pw" };
let pbx: PbxSimulator;
let graph: GraphSimulator;
let dir: string;
let child: ChildProcess | undefined;
let ids: Record<string, string>;

function startHub(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "fixtures", "crash-child.ts")],
      {
        env: {
          ...process.env,
          LOG_LEVEL: "silent",
          HUB_DATA_DIR: dir,
          PBX_PORT: String(pbx.port),
          PBX_APP: APP.name,
          PBX_PASSWORD: APP.password,
          GRAPH_URL: graph.url,
          GRAPH_TENANT: graph.tenantId,
          GRAPH_CLIENT: graph.clientId,
          GRAPH_SECRET: graph.clientSecret,
          EXPECT_MATCHED: "2",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let err = "";
    const t = setTimeout(() => reject(new Error(`hub child not ready: ${err}`)), 30_000);
    p.stderr?.on("data", (d) => {
      err += String(d);
    });
    p.stdout?.on("data", (d) => {
      if (String(d).includes("READY")) {
        clearTimeout(t);
        resolve(p);
      }
    });
    p.on("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`hub child exited ${code}: ${err}`));
    });
  });
}

function kill(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    p.on("exit", () => resolve());
    p.kill("SIGKILL");
  });
}

const dial = (key: string) => {
  const r = pbx.dial(key, { ring: false });
  return r.result === "forwarded" ? `forwarded to ${r.destination}` : r.result;
};
const teamsShows = (key: string) => {
  const p = graph.presence(ids[key]);
  return p ? `${p.availability}/${p.activity}` : "?";
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hub-crash-"));
  pbx = await startPbxSimulator({
    host: "127.0.0.1",
    port: 0,
    apps: [APP],
    users: [
      { h323: "alice", cn: "Alice", e164: "101", emails: ["alice@contoso.example"], cfpr: true, cds: [] },
      { h323: "bob", cn: "Bob", e164: "102", emails: ["bob@contoso.example"], cfpr: true, cds: [] },
    ],
  });
  const available = { availability: "Available", activity: "Available" };
  graph = await startGraphSimulator({
    host: "127.0.0.1",
    port: 0,
    http: true,
    users: [
      {
        upn: "alice@contoso.example",
        displayName: "Alice",
        mail: "alice@contoso.example",
        client: available,
      },
      { upn: "bob@contoso.example", displayName: "Bob", mail: "bob@contoso.example", client: available },
    ],
  });
  ids = Object.fromEntries(graph.users().map((u) => [u.upn.split("@")[0], u.id]));
});

afterAll(async () => {
  if (child && child.exitCode === null) await kill(child);
  await pbx?.close();
  await graph?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("SIGKILL mid-call, restart: state kept while the calls last, undone after (also for calls that ended while down)", async () => {
  child = await startHub();
  graph.setClientPresence(ids.alice, { availability: "Busy", activity: "InACall" });
  graph.setClientPresence(ids.bob, { availability: "Busy", activity: "InACall" });
  // Bob's Teams call first: once the hub's DND session masks his Teams presence it cannot see it (docs/sync.md §2).
  await until(() => dial("bob") === "forwarded to 299", 15_000, "bob forwarded");
  const call = pbx.startCall("bob");
  pbx.answerCall(call);
  await until(
    () =>
      dial("alice") === "forwarded to 299" &&
      dial("bob") === "forwarded to 299" &&
      teamsShows("bob") === "DoNotDisturb/Presenting",
    15_000,
    "busy on both sides",
  ).catch((e) => {
    throw new Error(
      `${e.message}: alice ${dial("alice")}, bob ${dial("bob")}, bob teams ${teamsShows("bob")}`,
    );
  });
  await kill(child);

  // While the hub is dead: Bob's Teams call and PBX call end; Alice's Teams call goes on.
  graph.setClientPresence(ids.bob, { availability: "Available", activity: "Available" });
  pbx.endCall(call);
  expect(dial("bob")).toMatch(/forwarded/); // nobody undid it yet

  child = await startHub();
  await until(() => dial("bob") === "rings", 15_000, "bob undone after restart");
  await until(() => teamsShows("bob") === "Available/Available", 15_000, "bob's Teams session cleared");
  expect(dial("alice")).toBe("forwarded to 299");

  graph.setClientPresence(ids.alice, { availability: "Available", activity: "Available" });
  await until(() => dial("alice") === "rings", 15_000, "alice rings after her call");
  // The hub clears its presence first (the PBX stops diverting at once), then removes the CFB entry it added.
  const cds = () => (pbx.user("alice") as { cds?: unknown[] }).cds ?? [];
  await until(() => cds().length === 0, 15_000, "the default-destination CFB the hub added removed").catch((e) => {
    throw new Error(`${e.message}: ${JSON.stringify(cds())}`);
  });
}, 90_000);
