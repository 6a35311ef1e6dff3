// Golden tests of the PBX simulator over real sockets (innovaphone-appwebsocket.md §9.10), plus its
// forwarding semantics and HTTP control API.
import { afterEach, describe, expect, it } from "vitest";
import { computeDigest } from "../../connectors/innovaphone/digest.js";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import { parseUsersFile } from "../../connectors/innovaphone/simulator/users-file.js";
import { makeUsers, RawPeer, waitFor } from "./helpers.js";

let sim: PbxSimulator | undefined;
const peers: RawPeer[] = [];
async function peer(): Promise<RawPeer> {
  const p = await RawPeer.open(sim!.url);
  peers.push(p);
  return p;
}
afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  await sim?.close();
  sim = undefined;
});

describe("simulator login", () => {
  it("accepts the reference vector with a fixed challenge and rejects wrong digests", async () => {
    sim = await startPbxSimulator({
      apps: [{ name: "pbxadminapi", password: "pwd" }],
      challenge: { fixed: "0123456789abcdef" },
    });
    const p = await peer();
    expect(await p.challenge()).toBe("0123456789abcdef");
    const ok = await p.call({
      mt: "AppLogin",
      app: "pbxadminapi",
      digest: "a205299ed2ef2786c311e0be1b14db343f2cadd906a6ae7b564eee34bda5e9a1",
    });
    expect(ok.ok).toBe(true);
    const q = await peer();
    await q.challenge();
    const bad = await q.call({ mt: "AppLogin", app: "pbxadminapi", digest: "0".repeat(64) });
    expect(bad.ok).toBe(false);
    expect(sim.stats().loginFailures).toBe(1);
  });

  it("rejects a reused challenge and a login without a challenge", async () => {
    sim = await startPbxSimulator({ apps: [{ name: "hub", password: "pw" }] });
    const p = await peer();
    const nochallenge = await p.call({ mt: "AppLogin", app: "hub", digest: "x" });
    expect(nochallenge.ok).toBe(false);
    const challenge = await p.challenge();
    const digest = computeDigest({ app: "hub", challenge, password: "pw" });
    expect((await p.call({ mt: "AppLogin", app: "hub", digest: "f".repeat(64) })).ok).toBe(false);
    // same challenge again, now with the right digest: still refused
    expect((await p.call({ mt: "AppLogin", app: "hub", digest })).ok).toBe(false);
  });

  it("rejects uppercase hex by default and accepts it when lenient", async () => {
    sim = await startPbxSimulator({ apps: [{ name: "hub", password: "pw" }] });
    expect((await (await peer()).login("hub", "pw", { upper: true })).ok).toBe(false);
    expect((await (await peer()).login("hub", "pw")).ok).toBe(true);
    await sim.close();
    sim = await startPbxSimulator({ apps: [{ name: "hub", password: "pw" }], lenientDigestCase: true });
    expect((await (await peer()).login("hub", "pw", { upper: true })).ok).toBe(true);
  });

  it("accepts info absent, {} and an object only with the matching digest", async () => {
    sim = await startPbxSimulator({ apps: [{ name: "hub", password: "pw" }] });
    expect((await (await peer()).login("hub", "pw", { info: {} })).ok).toBe(true);
    expect((await (await peer()).login("hub", "pw", { info: { cn: "Test User" } })).ok).toBe(true);
    // digest computed without info but info sent: refused
    const p = await peer();
    const challenge = await p.challenge();
    const digest = computeDigest({ app: "hub", challenge, password: "pw" });
    expect((await p.call({ mt: "AppLogin", app: "hub", digest, info: {} })).ok).toBe(false);
  });

  it("refuses logins on demand and ignores API messages before login", async () => {
    sim = await startPbxSimulator({ apps: [{ name: "hub", password: "pw" }], users: makeUsers(1) });
    sim.setFaults({ refuseLogins: true });
    expect((await (await peer()).login("hub", "pw")).ok).toBe(false);
    sim.setFaults({ refuseLogins: false });
    const p = await peer();
    p.send({ api: "PbxApi", mt: "GetNodeInfo", src: "early" });
    await new Promise((r) => setTimeout(r, 100));
    expect(p.received.find((m) => m.src === "early")).toBeUndefined();
    expect(sim.log().some((e) => typeof e.msg === "object" && e.msg.src === "early")).toBe(true);
  });
});

describe("simulator APIs", () => {
  it("subscribe + SetPresence from a second connection → PresenceUpdate with the subscriber's src, newest first", async () => {
    sim = await startPbxSimulator({ users: makeUsers(2) });
    const watcher = await peer();
    await watcher.login("presence-hub", "secret");
    const r = await watcher.call({ api: "PbxApi", mt: "SubscribePresence", sip: "user1", src: "w1" });
    expect(r.api).toBe("PbxApi");
    await watcher.next((m) => m.mt === "PresenceState" && m.src === "w1" && m.up === true);
    const setter = await peer();
    await setter.login("presence-hub", "secret");
    await setter.call({
      api: "PbxApi",
      mt: "SetPresence",
      sip: "user1",
      contact: "tel:",
      activity: "away",
      note: "",
      src: "s1",
    });
    const res = await setter.call({
      api: "PbxApi",
      mt: "SetPresence",
      sip: "user1",
      contact: "teams:",
      activity: "busy",
      note: "In a call",
      src: "s2",
    });
    expect(res.error).toBeUndefined();
    const upd = await watcher.next(
      (m) =>
        m.mt === "PresenceUpdate" &&
        m.src === "w1" &&
        Array.isArray(m.presence) &&
        (m.presence as unknown[]).length === 2,
    );
    expect((upd.presence as Array<{ contact: string }>).map((p) => p.contact)).toEqual(["teams:", "tel:"]);
    expect(upd.sip).toBeUndefined();
    const nf = await setter.call({
      api: "PbxApi",
      mt: "SetPresence",
      sip: "nobody",
      contact: "x:",
      activity: "busy",
      src: "s3",
    });
    expect(nf.errorText).toBe("not found");
  });

  it("replicates N users, then pushes a full-row ReplicateUpdate after UpdateObject on cds", async () => {
    const n = 25;
    sim = await startPbxSimulator({ users: makeUsers(n) });
    const p = await peer();
    await p.login("presence-hub", "secret");
    const start = await p.call({
      api: "PbxTableUsers",
      mt: "ReplicateStart",
      columns: { guid: {}, h323: {}, cds: {}, cfpr: {} },
      src: "rep",
    });
    expect(start.columns).toBeDefined();
    let rows = 0;
    for (;;) {
      const r = await p.call({ api: "PbxTableUsers", mt: "ReplicateNext", src: "rep" });
      if (!r.columns) break;
      rows++;
    }
    expect(rows).toBe(n);
    const guid = makeUsers(1)[0].guid;
    await p.call({
      api: "PbxAdminApi",
      mt: "UpdateObject",
      guid,
      cds: [{ type: "cfb", ep: [{ e164: "555" }] }],
      src: "u1",
    });
    const upd = await p.next((m) => m.mt === "ReplicateUpdate" && m.src === "rep");
    expect(upd.columns).toMatchObject({
      guid,
      h323: "user0",
      cfpr: true,
      cds: [{ type: "cfb", e164: "555" }],
    });
    const obj = await p.call({ api: "PbxAdminApi", mt: "GetObject", guid, src: "g1" });
    expect(obj.cds).toEqual([{ type: "cfb", ep: [{ e164: "555" }] }]);
  });

  it("PbxAdminApi: template with/without, properties, cfpr -1 → inherit, SearchUsers paging", async () => {
    sim = await startPbxSimulator({
      users: [
        { h323: "t", cn: "Tina", tCfpr: true },
        { h323: "a", cn: "Anna", cfpr: false },
        { h323: "b", cn: "Bert" },
      ],
    });
    const p = await peer();
    await p.login("presence-hub", "secret");
    const without = await p.call({ api: "PbxAdminApi", mt: "GetObject", h323: "t", src: "1" });
    expect(without.cfpr).toBeUndefined();
    const withT = await p.call({
      api: "PbxAdminApi",
      mt: "GetObject",
      h323: "t",
      template: "with",
      properties: ["cfpr"],
      src: "2",
    });
    expect(withT).toMatchObject({ guid: expect.any(String), cfpr: true });
    expect(withT.cn).toBeUndefined();
    const a = await p.call({ api: "PbxAdminApi", mt: "GetObject", cn: "Anna", src: "3" });
    await p.call({ api: "PbxAdminApi", mt: "UpdateObject", guid: a.guid, cfpr: -1, src: "4" });
    expect(sim.model.get("a").cfpr).toBeNull();
    const page1 = await p.call({ api: "PbxAdminApi", mt: "SearchUsers", cn: "", limit: 2, src: "5" });
    expect((page1.user as Array<{ cn: string }>).map((u) => u.cn)).toEqual(["Anna", "Bert"]);
    const page2 = await p.call({ api: "PbxAdminApi", mt: "SearchUsers", cn: "Bert", limit: 2, src: "6" });
    expect((page2.user as Array<{ cn: string }>).map((u) => u.cn)).toEqual(["Tina"]);
    const nf = await p.call({ api: "PbxAdminApi", mt: "GetObject", guid: "0".repeat(32), src: "7" });
    expect(nf.errorText).toBe("not found");
  });

  it("13r3 alien calls for a user-scoped login make the user busy; 14r1 diversions touch only non-admin entries", async () => {
    const admin = { type: "cfb" as const, e164: "777", bool: "Night", precedence: true };
    sim = await startPbxSimulator({ users: [{ h323: "u", cfpr: true, cds: [admin] }] });
    const p = await peer();
    const challenge = await p.challenge();
    const digest = computeDigest({ app: "presence-hub", sip: "u", challenge, password: "secret" });
    expect((await p.call({ mt: "AppLogin", app: "presence-hub", sip: "u", digest })).ok).toBe(true);
    const add = await p.call({ api: "PbxApi", mt: "AddAlienCall", src: "a" });
    expect(sim.dial("u", { ring: false })).toMatchObject({
      result: "forwarded",
      reason: "busy",
      destination: "777",
    });
    await p.call({ api: "PbxApi", mt: "DelAlienCall", id: add.id, src: "d" });
    expect(sim.model.calls.size).toBe(0);

    expect(
      await p.call({ api: "PbxApi", mt: "GetDiversion", sip: "u", type: "cfb", src: "g0" }),
    ).not.toHaveProperty("num");
    const ok = await p.call({
      api: "PbxApi",
      mt: "AddDiversion",
      sip: "u",
      type: "cfb",
      "ep-num": "500",
      src: "ad",
    });
    expect(ok.ok).toBe(true);
    expect((await p.call({ api: "PbxApi", mt: "GetDiversion", sip: "u", type: "cfb", src: "g1" })).num).toBe(
      "500",
    );
    expect((await p.call({ api: "PbxApi", mt: "DelDiversion", sip: "u", type: "cfb", src: "dd" })).ok).toBe(
      true,
    );
    expect(sim.model.get("u").cds).toEqual([admin]);
  });

  it("RCC calls:true: CallAdd → CallUpdate → CallDel, with on-the-phone presence while the call lasts", async () => {
    sim = await startPbxSimulator({ users: makeUsers(2) });
    const p = await peer();
    await p.login("presence-hub", "secret");
    await p.call({ api: "RCC", mt: "Initialize", calls: true, src: "rcc" });
    expect(p.received.filter((m) => m.mt === "UserInfo").length).toBe(2);
    await p.call({ api: "PbxApi", mt: "SubscribePresence", sip: "user0", src: "w" });
    const call = sim.startCall("user0", { peer: "0301234" });
    await p.next((m) => m.mt === "CallAdd" && m.src === "rcc" && m.guid === makeUsers(1)[0].guid);
    await p.next(
      (m) =>
        m.mt === "PresenceUpdate" &&
        (m.presence as Array<{ activity: string }>)[0]?.activity === "on-the-phone",
    );
    sim.answerCall(call);
    const up = await p.next((m) => m.mt === "CallUpdate" && m.msg === "x-conn");
    expect((up.state as number) & 0x0f).toBe(5);
    sim.endCall(call);
    await p.next((m) => m.mt === "CallDel");
    await waitFor(() => {
      const last = p.received.filter((m) => m.mt === "PresenceUpdate").at(-1);
      return last && (last.presence as unknown[]).length === 0;
    });
  });

  it("presence-based forwarding: cfpr + CFB + activity, busy from calls, rings otherwise", async () => {
    sim = await startPbxSimulator({
      users: [
        { h323: "a", cfpr: true, cds: [{ type: "cfb", e164: "200" }] },
        { h323: "b", cfpr: false, cds: [{ type: "cfb", e164: "200" }] },
        { h323: "c", tCfpr: true },
      ],
    });
    expect(sim.dial("a", { ring: false })).toEqual({ result: "rings" });
    sim.setOwnPresence("a", "busy");
    expect(sim.dial("a")).toMatchObject({ result: "forwarded", destination: "200", reason: "presence" });
    sim.setOwnPresence("b", "dnd");
    const rang = sim.dial("b");
    expect(rang.result).toBe("rings");
    // b now has a ringing call → a second call is busy → CFB
    expect(sim.dial("b")).toMatchObject({ result: "forwarded", destination: "200", reason: "busy" });
    sim.setOwnPresence("c", "away");
    expect(sim.dial("c", { ring: false })).toEqual({ result: "rings" }); // no CFB destination
  });

  it("serves the control API over HTTP on the same port and 404s other ws paths", async () => {
    sim = await startPbxSimulator({ users: makeUsers(1) });
    const post = (path: string, body: unknown = {}) =>
      fetch(`${sim!.httpUrl}${path}`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });
    expect((await post("/_sim/users/user0/presence", { activity: "away" })).status).toBe(200);
    const call = (await (await post("/_sim/users/user0/calls")).json()) as { call: string };
    expect((await post(`/_sim/calls/${call.call}/answer`)).status).toBe(200);
    const u = (await (await fetch(`${sim.httpUrl}/_sim/users/user0`)).json()) as {
      calls: unknown[];
      presence: Array<{ activity: string }>;
    };
    expect(u.calls).toHaveLength(1);
    expect(u.presence.map((p) => p.activity)).toEqual(["on-the-phone", "away"]);
    expect((await post(`/_sim/calls/${call.call}/end`)).status).toBe(200);
    expect((await post("/_sim/users", { h323: "new" })).status).toBe(201);
    expect((await fetch(`${sim.httpUrl}/_sim/users/nobody`)).status).toBe(404);
    expect((await post("/_sim/faults", { delayMs: 5 })).status).toBe(200);
    expect(sim.faults().delayMs).toBe(5);
    expect((await post("/_sim/reset")).status).toBe(200);
    expect(sim.users()).toHaveLength(1);
    await expect(RawPeer.open(sim.url.replace("PBX0", "PBX9"))).rejects.toThrow(/404/);
  });

  it("enforces Visibility when asked: no presence without an entry; note and on-the-phone filtered", async () => {
    sim = await startPbxSimulator({
      requireVisibility: true,
      onInvisible: "down",
      users: [
        { h323: "open", visibility: [{ name: "presence-hub", presence: true, note: true, otf: true }] },
        { h323: "nonote", visibility: [{ name: "@", presence: true }] },
        { h323: "hidden" },
      ],
    });
    const p = await peer();
    await p.login("presence-hub", "secret");
    await p.call({ api: "PbxApi", mt: "SubscribePresence", sip: "hidden", src: "h" });
    await p.next((m) => m.mt === "PresenceState" && m.src === "h" && m.up === false);
    await p.call({ api: "PbxApi", mt: "SubscribePresence", sip: "nonote", src: "n" });
    sim.setOwnPresence("nonote", "away", "secret note");
    sim.startCall("nonote");
    const upd = await p.next(
      (m) => m.mt === "PresenceUpdate" && m.src === "n" && (m.presence as unknown[]).length === 1,
    );
    expect(upd.presence).toEqual([{ contact: "tel:", status: "open", activity: "away", note: "" }]);
    sim.setOwnPresence("hidden", "busy");
    await new Promise((r) => setTimeout(r, 50));
    expect(p.received.some((m) => m.mt === "PresenceUpdate" && m.src === "h")).toBe(false);
  });

  it("parses users files in YAML and JSON", () => {
    const y = parseUsersFile("users:\n  - h323: a\n    cfpr: true\n", "u.yaml");
    expect(y.users[0]).toEqual({ h323: "a", cfpr: true });
    expect(parseUsersFile('{"users":[{"h323":"b"}]}', "u.json").users[0].h323).toBe("b");
    expect(() => parseUsersFile("users: [{}]", "x.yaml")).toThrow(/h323/);
  });
});
