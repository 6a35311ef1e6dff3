// The rule set's `cfb` block is what the hub does (issue 9): each fallback chain and `restore` setting, and a
// live edit of the block while a user is diverted, against the PBX simulator over real sockets. Alice has no
// busy destination of her own, Bob has 100; the connector's default destination is 299.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import { type GraphSimulator, startGraphSimulator } from "../../connectors/teams/simulator/server.js";
import { RuleRegistry } from "../../engine/rules/registry.js";
import { openHub } from "../../server/hub/hub.js";
import type { EndpointView, Hub } from "../../server/hub/types.js";
import { until } from "../sync/fakes.js";
import { fastPollingTeams, graphSimSettings, pbxSimConfig } from "./sim-settings.js";

const APP = { name: "presence-hub", password: "cfb-policy-app-pw" };
const TYPE = "innovaphone-cfbtest";

/** A complete rule set: a Teams call sets dnd with `cfb: ensure`; the `cfb` block is the test's. */
function ruleSet(cfb: string): string {
  return `id: ${TYPE}
title: CFB policy test
description: Teams calls divert; the cfb block varies per test.
adapter: innovaphone
teamsToPbx:
  rules:
    - name: teams-call
      when: { activity: [InACall] }
      then: { activity: dnd, note: "In a Teams call", cfb: ensure }
  default: { activity: "", note: "", cfb: leave }
pbxToTeams:
  rules: []
  default: { presence: clear }
${cfb}
tests:
  - name: a Teams call diverts
    teams: { availability: Busy, activity: InACall }
    expect: { activity: dnd, cfb: ensure }
`;
}

let pbx: PbxSimulator;
let graph: GraphSimulator;
let rulesDir: string;
let dataDir: string;
let registry: RuleRegistry;
let hub: Hub;
let ids: Record<string, string>;

async function writeRules(cfb: string): Promise<void> {
  const current = registry.get(TYPE);
  if (current?.source === ruleSet(cfb)) return;
  const before = current?.revision ?? 0;
  const file = join(rulesDir, `${TYPE}.yaml`);
  writeFileSync(file, ruleSet(cfb));
  // The watcher reloads it too; reloading explicitly keeps the test independent of file-event timing.
  await registry.reload([file]);
  await until(() => (registry.get(TYPE)?.revision ?? 0) > before, 5000, `rule set reloaded: ${JSON.stringify(registry.status(TYPE)?.errors)}`);
}

function dial(key: string): string {
  const r = pbx.dial(key, { ring: false });
  return r.result === "forwarded" ? `forwarded to ${r.destination}` : r.result;
}

function cfbEntries(key: string): { e164?: string; precedence?: boolean }[] {
  const cds = pbx.user(key).cds as { type: string; e164?: string; precedence?: boolean }[];
  return cds
    .filter((c) => c.type === "cfb")
    .map(({ e164, precedence }) => (precedence ? { e164, precedence } : { e164 }));
}

function endpoint(name: string): EndpointView {
  return hub.endpoints.list({ search: name }).items[0]!;
}

function teamsCall(key: string, on: boolean): void {
  graph.setClientPresence(
    ids[key]!,
    on ? { availability: "Busy", activity: "InACall" } : { availability: "Available", activity: "Available" },
  );
}

beforeAll(async () => {
  pbx = await startPbxSimulator({
    host: "127.0.0.1",
    port: 0,
    apps: [APP],
    users: [
      { h323: "alice", cn: "Alice", e164: "101", emails: ["alice@contoso.example"], cfpr: true, cds: [] },
      {
        h323: "bob",
        cn: "Bob",
        e164: "102",
        emails: ["bob@contoso.example"],
        cfpr: true,
        cds: [{ type: "cfb", e164: "100" }],
      },
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
  await pbx?.close();
  await graph?.close();
});

beforeEach(async () => {
  rulesDir = mkdtempSync(join(tmpdir(), "hub-cfb-rules-"));
  dataDir = mkdtempSync(join(tmpdir(), "hub-cfb-data-"));
  writeFileSync(join(rulesDir, `${TYPE}.yaml`), ruleSet("cfb:\n  fallback: [userCfb, connectorDefault]"));
  registry = new RuleRegistry({ debounceMs: 20 });
  await registry.watch(rulesDir);
});

afterEach(async () => {
  await hub?.close({ undo: true });
  await registry.close();
  pbx.reset();
  rmSync(rulesDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(cfb: string, type = TYPE, defaultDestination = "299"): Promise<void> {
  await writeRules(cfb);
  hub = await openHub({
    dataDir,
    registry,
    teamsFactory: fastPollingTeams,
    sync: { retryBaseMs: 50, retryMaxMs: 500, echoGraceMs: 1000 },
    undoTimeoutMs: 3000,
  });
  await hub.teams.save(graphSimSettings(graph));
  const c = await hub.connectors.create({
    type,
    name: "PBX",
    config: pbxSimConfig(pbx, APP, { defaultDestination }),
  });
  await until(() => hub.connectors.get(c.id).status.state === "online", 15_000, "connector online");
  await until(() => hub.endpoints.list({ matched: true }).total === 2, 10_000, "endpoints matched");
}

describe("cfb.fallback and cfb.restore are what the hub does", () => {
  it("fallback [userCfb]: a user without a busy destination gets the presence but no entry, and a warning", async () => {
    await start("cfb:\n  fallback: [userCfb]");
    expect(endpoint("Alice").warnings.map((w) => w.code)).toContain("NO_CFB_DESTINATION");
    expect(endpoint("Alice").cfb).toMatchObject({ destination: null, gap: "NO_CFB_DESTINATION" });
    expect(endpoint("Bob").cfb).toMatchObject({ destination: "100", source: "userCfb", hubAdds: false });
    teamsCall("alice", true);
    teamsCall("bob", true);
    await until(() => dial("bob") === "forwarded to 100", 10_000, "Bob diverted to his own destination");
    await until(
      () => endpoint("Alice").hub.pbx.acknowledged?.activity === "dnd",
      10_000,
      "Alice's presence set",
    );
    expect(dial("alice")).toBe("rings");
    expect(cfbEntries("alice")).toEqual([]);
    expect(cfbEntries("bob")).toEqual([{ e164: "100" }]);
    const timeline = (await hub.events.list({ endpointId: endpoint("Alice").id }));
    expect(timeline.find((e) => e.kind === "decision.teamsToPbx")?.message).toMatch(/no busy destination/);
  });

  it("fallback [connectorDefault]: every diverted call goes to the default; the user's own entry is untouched", async () => {
    await start("cfb:\n  fallback: [connectorDefault]");
    expect(endpoint("Bob").cfb).toMatchObject({
      destination: "299",
      source: "connectorDefault",
      precedence: true,
    });
    teamsCall("bob", true);
    await until(() => dial("bob") === "forwarded to 299", 10_000, "Bob diverted to the default destination");
    expect(cfbEntries("bob")).toEqual([{ e164: "100" }, { e164: "299", precedence: true }]);
    teamsCall("bob", false);
    await until(() => dial("bob") === "rings", 10_000, "Bob rings again");
    await until(() => cfbEntries("bob").length === 1, 10_000, "the hub's entry removed");
    expect(cfbEntries("bob")).toEqual([{ e164: "100" }]);
  });

  it("restore: false keeps the added entry after the call, and the hub no longer counts it as its own", async () => {
    await start("cfb:\n  fallback: [userCfb, connectorDefault]\n  restore: false");
    teamsCall("alice", true);
    await until(
      () => dial("alice") === "forwarded to 299",
      10_000,
      "Alice diverted to the default destination",
    );
    teamsCall("alice", false);
    await until(() => endpoint("Alice").hub.pbx.acknowledged === null, 10_000, "presence cleared");
    await until(() => isNeutralView(endpoint("Alice")), 10_000, "nothing held");
    expect(cfbEntries("alice")).toEqual([{ e164: "299" }]);
    expect((await hub.events.list({ endpointId: endpoint("Alice").id })).map((e) => e.kind)).toContain("cfb.kept");
    // Undo (the hub stops) leaves it too: it is Alice's now.
    await hub.close({ undo: true });
    expect(cfbEntries("alice")).toEqual([{ e164: "299" }]);
  });
});

describe("a live edit of the cfb block (hot reload) applies to users already diverted", () => {
  it("[userCfb, connectorDefault] → [connectorDefault]: the entry is replaced by one that takes precedence, without a gap", async () => {
    await start("cfb:\n  fallback: [userCfb, connectorDefault]");
    teamsCall("alice", true);
    await until(() => dial("alice") === "forwarded to 299", 10_000, "Alice diverted");
    expect(cfbEntries("alice")).toEqual([{ e164: "299" }]);
    const seen = new Set<string>();
    const poll = setInterval(() => seen.add(dial("alice")), 2);
    try {
      await writeRules("cfb:\n  fallback: [connectorDefault]");
      await until(
        () => JSON.stringify(cfbEntries("alice")) === '[{"e164":"299","precedence":true}]',
        10_000,
        "entry replaced",
      );
    } finally {
      clearInterval(poll);
    }
    expect([...seen]).toEqual(["forwarded to 299"]);
    expect(endpoint("Alice").hub.pbx.cfbEntry).toEqual({ e164: "299", precedence: true });
  });

  it("→ [userCfb] while diverted: the hub's entry goes (the new policy wants none); → restore false keeps it at the end", async () => {
    await start("cfb:\n  fallback: [userCfb, connectorDefault]");
    teamsCall("alice", true);
    await until(() => dial("alice") === "forwarded to 299", 10_000, "Alice diverted");
    await writeRules("cfb:\n  fallback: [userCfb]");
    await until(() => cfbEntries("alice").length === 0, 10_000, "the hub's entry removed");
    expect(dial("alice")).toBe("rings");
    await writeRules("cfb:\n  fallback: [userCfb, connectorDefault]\n  restore: false");
    await until(() => dial("alice") === "forwarded to 299", 10_000, "diverted again");
    teamsCall("alice", false);
    await until(() => endpoint("Alice").hub.pbx.acknowledged === null, 10_000, "presence cleared");
    await until(() => isNeutralView(endpoint("Alice")), 10_000, "nothing held");
    expect(cfbEntries("alice")).toEqual([{ e164: "299" }]);
  });
});

function isNeutralView(ep: EndpointView): boolean {
  return ep.hub.pbx.acknowledged === null && ep.hub.pbx.cfbEntry === null && !ep.hub.pbx.pending;
}

describe("endpoint warnings come from the compiled table, not from sample inputs", () => {
  it("innovaphone-mirror diverts only on Do Not Disturb: a user without any busy destination is warned", async () => {
    cpSync(join(import.meta.dirname, "..", "..", "rules"), rulesDir, { recursive: true });
    await registry.reload([join(rulesDir, "innovaphone-mirror.yaml")]);
    expect(registry.get("innovaphone-mirror")?.divertingCells).toBe(36);
    await start("cfb:\n  fallback: [userCfb, connectorDefault]", "innovaphone-mirror", "");
    expect(endpoint("Alice").warnings.map((w) => w.code)).toContain("NO_CFB_DESTINATION");
    expect(endpoint("Bob").warnings.map((w) => w.code)).not.toContain("NO_CFB_DESTINATION");
    expect(endpoint("Bob").cfb).toMatchObject({ destination: "100", source: "userCfb" });
  });
});

describe("what the hub set is kept while it diverts", () => {
  it("a busy destination the hub added that an admin removes during the diversion is added again", async () => {
    await start("cfb:\n  fallback: [userCfb, connectorDefault]");
    teamsCall("alice", true);
    await until(() => dial("alice") === "forwarded to 299", 10_000, "Alice diverted");
    pbx.updateUser("alice", { cds: [] });
    expect(dial("alice")).toBe("rings");
    await until(() => dial("alice") === "forwarded to 299", 5000, "entry re-added");
    expect(cfbEntries("alice")).toEqual([{ e164: "299" }]);
    expect((await hub.events.list({ endpointId: endpoint("Alice").id })).map((e) => e.kind)).toContain("cfb.lost");
    teamsCall("alice", false);
    await until(() => cfbEntries("alice").length === 0, 10_000, "removed after the call");
  });
});
