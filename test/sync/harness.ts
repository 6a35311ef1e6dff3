// Test harness: a sync core wired to fake adapters and the shipped rule sets (rules/*.yaml via RuleRegistry).
import { join } from "node:path";
import { SyncCore, type SyncCoreOptions } from "../../engine/sync/core.js";
import type { SyncNotice } from "../../engine/sync/types.js";
import { RuleRegistry } from "../../engine/rules/registry.js";
import type { ActiveRuleSet, RuleSetSource } from "../../engine/rules/types.js";
import { FakePbx, FakeTeams, memoryPersistence } from "./fakes.js";

export const RULES_DIR = join(import.meta.dirname, "..", "..", "rules");
export const SHIPPED_TYPES = ["innovaphone-dnd", "innovaphone-calls-only", "innovaphone-mirror"] as const;

let registry: RuleRegistry | undefined;

export async function shippedRules(): Promise<RuleRegistry> {
  if (!registry) {
    registry = new RuleRegistry();
    await registry.load(RULES_DIR);
  }
  return registry;
}

/** A RuleSetSource whose rule sets a test can swap. */
export class SwappableRules implements RuleSetSource {
  private readonly sets = new Map<string, ActiveRuleSet>();
  private readonly listeners = new Set<(id: string) => void>();
  set(rs: ActiveRuleSet): void {
    this.sets.set(rs.id, rs);
    for (const l of this.listeners) l(rs.id);
  }
  get(id: string): ActiveRuleSet | undefined {
    return this.sets.get(id);
  }
  onSwap(listener: (id: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface Harness {
  core: SyncCore;
  pbx: FakePbx;
  teams: FakeTeams;
  persistence: ReturnType<typeof memoryPersistence>;
  notices: SyncNotice[];
  rules: RuleSetSource;
  type: string;
  restart(options?: Partial<SyncCoreOptions>): SyncCore;
}

export interface HarnessOptions {
  type: string;
  rules?: RuleSetSource;
  users?: number;
  defaultDestination?: string;
  ownCfb?: boolean;
  core?: Partial<SyncCoreOptions>;
}

export async function harness(o: HarnessOptions): Promise<Harness> {
  const rules = o.rules ?? (await shippedRules());
  const n = o.users ?? 1;
  const pbx = new FakePbx();
  const teamsUsers = [];
  for (let i = 1; i <= n; i++) {
    pbx.addUser({
      guid: `g${i}`,
      h323: `user${i}`,
      cn: `User ${i}`,
      e164: `10${i}`,
      emails: [`user${i}@example.com`],
      cfb: o.ownCfb ? [{ e164: "999" }] : [],
    });
    teamsUsers.push({
      id: `t${i}`,
      displayName: `User ${i}`,
      mail: `user${i}@example.com`,
      userPrincipalName: `user${i}@example.com`,
    });
  }
  const teams = new FakeTeams(teamsUsers);
  const persistence = memoryPersistence();
  const notices: SyncNotice[] = [];
  const make = (extra?: Partial<SyncCoreOptions>) => {
    const core = new SyncCore({
      rules,
      persistence,
      retryBaseMs: 5,
      retryMaxMs: 50,
      echoGraceMs: 60,
      notify: (x) => notices.push(x),
      ...o.core,
      ...extra,
    });
    core.setTeams(teams);
    core.addConnector({
      id: "c1",
      type: o.type,
      adapter: pbx,
      defaultDestination: o.defaultDestination ?? "200",
    });
    for (let i = 1; i <= n; i++) {
      core.upsertEndpoint({
        id: `e${i}`,
        connectorId: "c1",
        pbxGuid: `g${i}`,
        teamsUserId: `t${i}`,
        enabled: true,
      });
    }
    return core;
  };
  const h: Harness = {
    core: make(),
    pbx,
    teams,
    persistence,
    notices,
    rules,
    type: o.type,
    restart(extra) {
      h.core.close();
      h.core = make(extra);
      return h.core;
    },
  };
  await new Promise((r) => setImmediate(r));
  teams.start();
  pbx.start();
  return h;
}

/** Waits until the core is idle and stays idle with no adapter writes for `quietMs`. */
export async function settle(h: Harness, quietMs = 100, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    await h.core.idle();
    const before = h.pbx.writes.length + h.teams.writes.length;
    await new Promise((r) => setTimeout(r, quietMs));
    await h.core.idle();
    const s = h.core.stats();
    if (h.pbx.writes.length + h.teams.writes.length === before && s.pending === 0 && s.failing === 0) return;
    if (Date.now() > end) throw new Error("sync did not settle (writes keep happening: ping-pong?)");
  }
}
