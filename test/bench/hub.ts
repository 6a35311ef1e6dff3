// End-to-end benchmark of the whole hub over loopback (docs/evidence.md): the real hub (runHub: HTTP server
// with the Graph webhook, SQLite, sync core, real innovaphone and Teams adapters) in this process, the PBX
// and Graph simulators in a child process (test/faults/sim-process.ts) so this process's RSS and CPU are
// the hub's own. Measured:
//   - Teams → PBX hub-added latency: from the webhook POST arriving at the hub's HTTP server (first
//     'request' listener) to the innovaphone adapter's setPresence call (the SetPresence frame is sent in
//     the same tick), at 100 and 1,000 changes/s and a ramp to find the maximum sustainable rate;
//   - PBX → Teams: from the adapter's RCC callState event to the Teams adapter's setPresence/clearPresence call;
//   - cold start (restart of a configured hub) and a reconnect storm to fully synchronized;
//   - peak RSS and CPU seconds per 1,000 changes; throughput as a ratio of the bare-ws reference.
// Targets are reported as met/missed; a benchmark never fails on them.
import { mkdtempSync, rmSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PbxAdapter, TeamsAdapter } from "../../engine/ports/adapters.js";
import { configureRootLogger } from "../../common/log.js";
import type { RunningHub } from "../../server/run-hub.js";
import type { PbxAdapterFactory, TeamsAdapterFactory } from "../../server/hub/types.js";
import type { SimInfo, SimProcess } from "../faults/sim-process.js";
import type { BenchResult } from "./types.js";
import { type HeapSampling, startHeapSampling } from "./heap-sampling.js";
import { measureRsaReference } from "./rsa-reference.js";
import { measureWsReference } from "./ws-reference.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A full garbage collection, so a phase that stands for a new process does not carry the last one's garbage. */
const collectGarbage = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const progress = (t0: number, what: string) => {
  const m = process.memoryUsage();
  process.stderr.write(`  hub bench ${Math.round((performance.now() - t0) / 1000)} s: ${what} (RSS ${mb(m.rss)} MB, heap used ${mb(m.heapUsed)} MB)\n`);
};
const now = () => performance.now();

/** Timestamps taken inside the hub process by wrapping the adapters the hub creates. */
class Probe {
  mode: "off" | "t2p" | "p2t" = "off";
  /** Arrival times of webhook POSTs not yet handed to the adapter (FIFO; one per request). */
  arrivals: number[] = [];
  notifyBodies = 0;
  /** Encrypted items seen and how many of them repeat a dataKey already seen in the same POST body. */
  encryptedItems = 0;
  repeatedDataKeys = 0;
  /** Per Teams user: webhook arrival, hand-over to the adapter, the adapter's `presence` event. */
  readonly pendingTeams = new Map<string, { arr: number; handle: number; event: number }>();
  /** Stage durations of served Teams → PBX changes: HTTP ingress, adapter (parse/decrypt), core + worker. */
  stages = { ingress: [] as number[], adapter: [] as number[], core: [] as number[], pbxRtt: [] as number[], graphRtt: [] as number[] };
  readonly pendingCall = new Map<string, number>();
  samples: number[] = [];
  pbxWrites = 0;
  teamsWrites = 0;
  pbxSyncedAt = 0;
  teamsSyncedAt = 0;
  /** The running Teams adapter's `idle()` (every webhook body processed), to start phases quiet. */
  teamsIdle: () => Promise<void> = async () => undefined;
  guidToTeams = new Map<string, string>();
  teamsToGuid = new Map<string, string>();

  reset(mode: Probe["mode"]): void {
    this.mode = mode;
    this.pendingTeams.clear();
    this.pendingCall.clear();
    this.samples = [];
    this.stages = { ingress: [], adapter: [], core: [], pbxRtt: [], graphRtt: [] };
    this.pbxWrites = 0;
    this.teamsWrites = 0;
    this.encryptedItems = 0;
    this.repeatedDataKeys = 0;
  }
  pending(): number {
    return this.mode === "t2p" ? this.pendingTeams.size : this.pendingCall.size;
  }
  onNotify(body: unknown, t: number): void {
    this.notifyBodies++;
    if (this.mode !== "t2p") return;
    const handle = now();
    const items = (body as { value?: { resource?: string; encryptedContent?: { dataKey?: string } }[] } | undefined)?.value ?? [];
    // Does Graph reuse one wrapped key within a POST? (Only then would caching the unwrapped key pay.)
    const keys = new Set<string>();
    for (const it of items) {
      const k = it.encryptedContent?.dataKey;
      if (k === undefined) continue;
      this.encryptedItems++;
      if (keys.has(k)) this.repeatedDataKeys++;
      else keys.add(k);
    }
    for (const it of items) {
      const id = String(it.resource ?? "").split("/").pop() ?? "";
      if (!this.pendingTeams.has(id)) this.pendingTeams.set(id, { arr: t, handle, event: 0 });
    }
  }
  onTeamsPresence(userId: string): void {
    const p = this.mode === "t2p" ? this.pendingTeams.get(userId) : undefined;
    if (p && !p.event) p.event = now();
  }
  onPbxWrite(guid: string): void {
    this.pbxWrites++;
    if (this.mode !== "t2p") return;
    const id = this.guidToTeams.get(guid) ?? "";
    const p = this.pendingTeams.get(id);
    if (p === undefined) return;
    const t = now();
    this.samples.push(t - p.arr);
    this.stages.ingress.push(p.handle - p.arr);
    if (p.event) {
      this.stages.adapter.push(p.event - p.handle);
      this.stages.core.push(t - p.event);
    }
    this.pendingTeams.delete(id);
  }
  onCallState(guid: string, state: string): void {
    if (this.mode !== "p2t" || (state !== "connected" && state !== "idle")) return;
    if (!this.pendingCall.has(guid)) this.pendingCall.set(guid, now());
  }
  onTeamsWrite(userId: string): void {
    this.teamsWrites++;
    if (this.mode !== "p2t") return;
    const guid = this.teamsToGuid.get(userId) ?? "";
    const t = this.pendingCall.get(guid);
    if (t === undefined) return;
    this.samples.push(now() - t);
    this.pendingCall.delete(guid);
  }
}

type Listener = (...args: unknown[]) => void;

function instrumentedFactories(probe: Probe, pbxBase: PbxAdapterFactory, teamsBase: TeamsAdapterFactory) {
  const pbx: PbxAdapterFactory = {
    create: (config, ctx) => {
      const a = pbxBase.create(config, ctx) as PbxAdapter & { on(ev: string, l: Listener): () => void };
      const setPresence = a.setPresence.bind(a);
      a.setPresence = (guid, activity, note) => {
        probe.onPbxWrite(guid);
        const t = now();
        return setPresence(guid, activity, note).finally(() => {
          if (probe.mode === "t2p") probe.stages.pbxRtt.push(now() - t);
        });
      };
      const on = a.on.bind(a);
      a.on = (ev: string, l: Listener) =>
        ev === "callState"
          ? on(ev, (guid: unknown, state: unknown) => {
              probe.onCallState(String(guid), String(state));
              l(guid, state);
            })
          : on(ev, l);
      on("synchronized", () => {
        probe.pbxSyncedAt = now();
      });
      return a;
    },
    test: pbxBase.test,
  };
  const teams: TeamsAdapterFactory = {
    create: (config, deps) => {
      const a = teamsBase.create(config, deps) as TeamsAdapter & { handleNotifications(body: unknown): void };
      const handle = a.handleNotifications.bind(a);
      a.handleNotifications = (body) => {
        probe.onNotify(body, probe.arrivals.shift() ?? now());
        handle(body);
      };
      const onT = (a as unknown as { on(ev: string, l: Listener): () => void }).on.bind(a);
      (a as unknown as { on(ev: string, l: Listener): () => void }).on = (ev: string, l: Listener) =>
        ev === "presence"
          ? onT(ev, (id: unknown, p: unknown) => {
              probe.onTeamsPresence(String(id));
              l(id, p);
            })
          : onT(ev, l);
      const setPresence = a.setPresence.bind(a);
      const timed = (w: Promise<void>) => {
        const t = now();
        return w.finally(() => {
          if (probe.mode === "p2t") probe.stages.graphRtt.push(now() - t);
        });
      };
      a.setPresence = (id, p) => {
        probe.onTeamsWrite(id);
        return timed(setPresence(id, p));
      };
      const clearPresence = a.clearPresence.bind(a);
      a.clearPresence = (id) => {
        probe.onTeamsWrite(id);
        return timed(clearPresence(id));
      };
      a.on("synchronized", () => {
        probe.teamsSyncedAt = now();
      });
      const idle = (a as unknown as { idle?: () => Promise<void> }).idle;
      if (idle) probe.teamsIdle = () => idle.call(a);
      return a;
    },
    test: teamsBase.test,
  };
  return { pbx, teams };
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}
const r2 = (x: number) => Math.round(x * 100) / 100;

class RssMeter {
  peak = 0;
  /** The phase running now (set by `during`) and the one the peak was sampled in. */
  private phase = "start";
  peakPhase = "";
  private timer = setInterval(() => this.sample(), 50);
  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss <= this.peak) return;
    this.peak = rss;
    this.peakPhase = this.phase;
  }
  during(phase: string): void {
    this.sample();
    this.phase = phase;
  }
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak / 2 ** 20;
  }
}

interface PhaseResult {
  offered: number;
  served: number;
  p50: number;
  p99: number;
  max: number;
  cpuSec: number;
  wallSec: number;
  drained: boolean;
  stages: string;
  /** Graph requests the hub made from the start of the phase until its backlog drained (t2p only). */
  graphRequests: number;
  graphRequestKinds: string;
  encryptedItems: number;
  repeatedDataKeys: number;
}

export async function run(): Promise<BenchResult[]> {
  // Silence info logs before the hub modules create their loggers (logging per event would be measured).
  configureRootLogger({ level: process.env.LOG_LEVEL ?? "warn" });
  const { SimProcess } = await import("../faults/sim-process.js");
  const { startHub, configureHub, freePort, until } = await import("../faults/harness.js");
  const { innovaphoneModule, teamsModule } = await import("../../connectors/index.js");

  const results: BenchResult[] = [];
  const ref = await measureWsReference(1000);
  results.push({
    area: "hub",
    name: "reference: bare ws JSON messages (64 in flight)",
    values: { perSec: Math.round(ref.pipelinedPerSec), rttP50Us: Math.round(ref.p50Us) },
    note: "same run; hub throughput ratios below divide by perSec",
  });
  // Rich notifications cost one RSA private-key decryption per change: the CPU ceiling of Teams → PBX.
  const rsa = await measureRsaReference();
  results.push({
    area: "reference",
    name: "RSA-OAEP-2048 decryptions, all cores",
    values: { perSec: Math.round(rsa.perSec), threads: rsa.threads, perSecPerThread: Math.round(rsa.perThread) },
    note: "same run; one worker thread per core, privateDecrypt of a 32-byte data key (SHA-1 OAEP), the hub's per-item RSA step",
  });
  const sizes = (process.env.HUB_BENCH_SIZES ?? "1000,10000").split(",").map(Number).filter((n) => n > 0);
  const targets: Record<string, { value: number; met: boolean; note: string }> = {};
  const benchStart = now();

  for (const n of sizes) {
    // Waits scale with the size (≈ 3 ms per endpoint, at least 2 minutes): a hung phase still ends.
    const waitMs = Math.max(120_000, n * 3);
    const probe = new Probe();
    const rss = new RssMeter();
    const rssBefore = process.memoryUsage.rss() / 2 ** 20;
    let sim: SimProcess | undefined;
    let running: RunningHub | undefined;
    const dataDir = mkdtempSync(join(tmpdir(), "ph-bench-"));
    // HUB_BENCH_HEAP_PROFILE=<dir>: sample live allocations for this size and write where memory goes.
    const heapDir = process.env.HUB_BENCH_HEAP_PROFILE;
    let heap: HeapSampling | undefined;
    try {
      if (heapDir) heap = await startHeapSampling(heapDir);
      const started = await SimProcess.start(n, 1);
      progress(benchStart, `${n}: simulators started`);
      sim = started.sim;
      const info: SimInfo = started.info;
      for (const u of info.users) {
        probe.guidToTeams.set(u.guid, u.teamsId);
        probe.teamsToGuid.set(u.teamsId, u.guid);
      }
      const f = instrumentedFactories(probe, innovaphoneModule, teamsModule);
      const port = await freePort();
      const open = async () => {
        // HUB_BENCH_CONCURRENCY: writes in flight per side (default: the hub's own default) — for what-if runs.
        const concurrency = process.env.HUB_BENCH_CONCURRENCY ? Number(process.env.HUB_BENCH_CONCURRENCY) : undefined;
        const r = await startHub(dataDir, port, { adapterFactories: { innovaphone: f.pbx }, teamsFactory: f.teams, concurrency });
        r.app.server.prependListener("request", (req) => {
          if (req.method === "POST" && req.url?.startsWith("/graph/notify") && !req.url.includes("validationToken")) probe.arrivals.push(now());
        });
        return r;
      };
      const s = sim;
      // Fully synchronized = both adapters reported `synchronized` since t0, every user is in a Graph
      // subscription and subscribed on the PBX, and the core has nothing pending (reconciled).
      const fullySynced = async (t0: number, what: string, timeoutMs: number, teamsToo = true) => {
        let state = "";
        await until(
          what,
          async () => {
            if (!running) return false;
            const subscribed = (await s.call("graphSubscribedUsers")) as number;
            const pbxSubs = (await s.call("pbxCount", "SubscribePresence")) as number;
            const pending = running.hub.health().sync.pending;
            state = `pbxSynced=${probe.pbxSyncedAt >= t0} teamsSynced=${probe.teamsSyncedAt >= t0} pending=${pending} graphSubscribed=${subscribed} pbxSubscribed=${pbxSubs}`;
            return probe.pbxSyncedAt >= t0 && (!teamsToo || probe.teamsSyncedAt >= t0) && pending === 0 && subscribed >= n && pbxSubs >= n;
          },
          timeoutMs,
          // Counting SubscribePresence scans the simulator's log (4 × n entries): not 10 times a second at 100,000.
          n > 10_000 ? 500 : 100,
        ).catch((e: Error) => {
          throw new Error(`${e.message} (${state})`);
        });
        return (now() - t0) / 1000;
      };

      // First configuration: Microsoft 365 + connector from an empty data directory, as an admin does it.
      await s.call("pbxClearLog");
      rss.during("first configuration");
      let t0 = now();
      running = await open();
      const worldView = {
        graph: { ...info.graph },
        pbx: { port: info.pbxPort },
        users: info.users,
      } as unknown as Parameters<typeof configureHub>[2];
      await configureHub(running.hub, running.url, worldView, waitMs);
      // The simulators' user list is the bench's, not the hub's: not part of the hub's memory from here on.
      info.users.length = 0;
      progress(benchStart, `${n}: configured, every user matched`);
      const firstSec = await fullySynced(t0, "first synchronization", waitMs);
      progress(benchStart, `${n} endpoints synchronized`);
      const graphCounts = async () => {
        const c = (await s.call("graphRequestCounts")) as Record<string, number>;
        await s.call("graphClearLogs");
        const subs = c["POST /v1.0/subscriptions"] ?? 0;
        const reads = Object.entries(c)
          .filter(([k]) => /getPresencesByUserId|\/presence$/.test(k))
          .reduce((a, [, v]) => a + v, 0);
        return { subscriptionsCreated: subs, presenceReads: reads };
      };
      const firstCounts = await graphCounts();
      results.push({ area: "hub", name: `first configuration → synchronized, ${n} endpoints`, values: { seconds: r2(firstSec), ...firstCounts }, note: "M365 + connector created, replicated, matched, subscribed, reconciled" });

      const stageNote = () => {
        const med = (xs: number[]) => r2(pct([...xs].sort((a, b) => a - b), 0.5));
        const p99 = (xs: number[]) => r2(pct([...xs].sort((a, b) => a - b), 0.99));
        const st = probe.stages;
        return `stages p50/p99 ms: HTTP ingress ${med(st.ingress)}/${p99(st.ingress)}, adapter ${med(st.adapter)}/${p99(st.adapter)}, core+worker ${med(st.core)}/${p99(st.core)} (PBX SetPresence round trip ${med(st.pbxRtt)}/${p99(st.pbxRtt)})`;
      };
      const phase = async (kind: "t2p" | "p2t", rate: number, durationMs: number): Promise<PhaseResult> => {
        probe.reset(kind);
        if (kind === "t2p") await s.call("graphClearLogs");
        const cpu0 = process.cpuUsage();
        const w0 = now();
        const offered = (await s.call(kind === "t2p" ? "streamTeams" : "streamCalls", rate, durationMs, 0)) as number;
        const drainEnd = now() + 3000;
        while (probe.pending() > 0 && now() < drainEnd) await sleep(10);
        const drained = probe.pending() === 0;
        const cpu = process.cpuUsage(cpu0);
        const graphKinds = kind === "t2p" ? ((await s.call("graphRequestCounts")) as Record<string, number>) : {};
        const { encryptedItems, repeatedDataKeys } = probe;
        const wallSec = (now() - w0) / 1000;
        const sorted = [...probe.samples].sort((a, b) => a - b);
        const g = [...probe.stages.graphRtt].sort((a, b) => a - b);
        const stages = kind === "t2p" ? stageNote() : `Graph setPresence/clearPresence round trip p50/p99 ${r2(pct(g, 0.5))}/${r2(pct(g, 0.99))} ms`;
        probe.mode = "off";
        // Back to neutral between phases so every phase starts from the same state.
        await s.call("neutral");
        // Start the next phase quiet: nothing pending in the core and every webhook body processed.
        await until("neutral again", () => running?.hub.health().sync.pending === 0, 30_000, 50).catch(() => undefined);
        await Promise.race([probe.teamsIdle(), sleep(10_000)]);
        await until("neutral again", () => running?.hub.health().sync.pending === 0, 30_000, 50).catch(() => undefined);
        await sleep(500);
        return {
          offered,
          served: sorted.length,
          p50: pct(sorted, 0.5),
          p99: pct(sorted, 0.99),
          max: sorted.at(-1) ?? Number.NaN,
          cpuSec: (cpu.user + cpu.system) / 1e6,
          wallSec,
          drained,
          stages,
          graphRequests: Object.values(graphKinds).reduce((a, v) => a + v, 0),
          graphRequestKinds: Object.entries(graphKinds).map(([k, v]) => `${k} ×${v}`).join(", ") || "none",
          encryptedItems,
          repeatedDataKeys,
        };
      };
      const row = (name: string, p: PhaseResult, note: string): BenchResult => ({
        area: "hub",
        name,
        values: { p50Ms: r2(p.p50), p99Ms: r2(p.p99), maxMs: r2(p.max), offered: p.offered, served: p.served },
        note,
      });

      // Above 10,000 endpoints the latency ramp is not run again (the issue's rows there are start-up,
      // storm and memory); one 1,000/s phase still loads the hub so its memory reflects traffic.
      const full = n <= 10_000;
      rss.during("Teams→PBX runs");
      let p100: PhaseResult | undefined;
      if (full) {
        p100 = await phase("t2p", 100, 3000);
        progress(benchStart, `${n}: Teams→PBX 100/s done`);
        results.push(row(`Teams→PBX hub-added, ${n} endpoints, 100/s`, p100, `webhook arrival → SetPresence call; ${p100.stages}`));
      }
      const p1k = await phase("t2p", 1000, 3000);
      results.push(row(`Teams→PBX hub-added, ${n} endpoints, 1,000/s`, p1k, `CPU ${r2((p1k.cpuSec / p1k.offered) * 1000)} s per 1,000 changes; ${p1k.stages}`));
      const cpuPerK = (p1k.cpuSec / Math.max(1, p1k.offered)) * 1000;
      const perChange = p1k.graphRequests / Math.max(1, p1k.offered);
      results.push({
        area: "hub",
        name: `Graph requests per Teams change, ${n} endpoints`,
        values: { perChange: Math.round(perChange * 10_000) / 10_000, requests: p1k.graphRequests, changes: p1k.offered },
        note: `every Graph request during the 1,000/s Teams→PBX run (start → drained): ${p1k.graphRequestKinds}; dataKey repeated within a POST for ${p1k.repeatedDataKeys} of ${p1k.encryptedItems} encrypted items`,
      });
      if (n === 10_000) {
        targets.graphPerChange10k = { value: perChange, met: perChange <= 0.05, note: `Graph requests per Teams change ≤ 0.05 (${n} endpoints)` };
      }

      if (full && p100) {
        // Ramp: sustained = every change written (latest-wins may merge a user's changes; unserved changes
        // are then counted as lost here, which is conservative) and the backlog drained within 3 s.
        const sustained = (p: PhaseResult) => p.drained && p.served >= 0.95 * p.offered;
        // The 100/s and 1,000/s phases are the ramp's first steps.
        let maxSustained = sustained(p100) ? (sustained(p1k) ? 1000 : 100) : 0;
        let lastNote = maxSustained < 1000 ? `1,000/s not sustained (served ${p1k.served}/${p1k.offered}, drained ${p1k.drained})` : "";
        // Steps of 500/s up to the RSA ceiling of this machine (one decryption per change), then coarse.
        const fine: number[] = [];
        for (let r = 1500; r <= Math.min(rsa.perSec, 8000); r += 500) fine.push(r);
        const ramp = maxSustained < 1000 ? [] : [...fine, ...[5000, 10_000, ...(n < 10_000 ? [20_000] : [])].filter((r) => r > (fine.at(-1) ?? 0))];
        for (const rate of ramp) {
          const p = await phase("t2p", rate, 2000);
          const achieved = p.served / (p.offered / rate);
          const ok = sustained(p);
          results.push(row(`Teams→PBX ramp, ${n} endpoints, ${rate}/s`, p, `${ok ? "sustained" : "NOT sustained"}; hub CPU ${Math.round((p.cpuSec / p.wallSec) * 100)}%; served ${Math.round(achieved)}/s; ${p.stages}`));
          if (!ok) {
            lastNote = `first unsustained rate ${rate}/s (served ${p.served}/${p.offered}, drained ${p.drained})`;
            break;
          }
          maxSustained = rate;
        }
        const ratioToRsa = maxSustained / rsa.perSec;
        results.push({
          area: "hub",
          name: `Teams→PBX max sustainable, ${n} endpoints`,
          values: { perSec: maxSustained, ratioToRsa: r2(ratioToRsa), ratioToBareWs: r2(maxSustained / ref.pipelinedPerSec) },
          note: lastNote || "every ramp step sustained (the ramp's top is a lower bound)",
        });
        targets[`rate${n}`] = { value: maxSustained, met: maxSustained >= 10_000, note: `≥ 10,000 changes/s sustained (${n} endpoints)` };
        if (n === 10_000) targets.rsaRatio10k = { value: ratioToRsa, met: ratioToRsa >= 0.5, note: `sustained Teams→PBX ≥ 50 % of the RSA ceiling (${n} endpoints)` };

        progress(benchStart, `${n}: ramp done`);
        const c100 = await phase("p2t", 100, 3000);
        results.push(row(`PBX→Teams hub-added, ${n} endpoints, 100/s`, c100, `RCC callState event → setPresence/clearPresence call; ${c100.stages}`));
      }

      if (n >= 10_000) {
        // Cold start: stop without undo (like a crash or an upgrade), start again on the same port and data.
        await running.app.close();
        await running.hub.close({ undo: false });
        await running.registry.close();
        running = undefined;
        // A cold start is a new process: without the stopped hub's garbage (its memory otherwise counts
        // towards the new hub's peak, which no restarted process would see).
        collectGarbage();
        await s.call("pbxClearLog");
        await s.call("graphClearLogs");
        probe.pbxSyncedAt = 0;
        probe.teamsSyncedAt = 0;
        rss.during("cold start");
        t0 = now();
        running = await open();
        const coldSec = await fullySynced(t0, "cold start synchronization", waitMs);
        progress(benchStart, `${n}: cold start done`);
        results.push({ area: "hub", name: `cold start → synchronized, ${n} endpoints`, values: { seconds: r2(coldSec), ...(await graphCounts()) }, note: "process has config; replicated, subscribed both sides, reconciled" });

        await s.call("pbxClearLog");
        rss.during("reconnect storm");
        t0 = now();
        await s.call("pbxDropAll");
        const stormSec = await fullySynced(t0, "resubscription after the reconnect storm", waitMs, false);
        progress(benchStart, `${n}: reconnect storm done`);
        results.push({ area: "hub", name: `reconnect storm → resubscribed + reconciled, ${n} endpoints`, values: { seconds: r2(stormSec) }, note: "PBX drops every connection; includes the reconnect backoff (first retry)" });
        if (n === 10_000) targets.coldStart = { value: coldSec, met: coldSec < 10, note: `${n} endpoints from cold start < 10 s` };
        if (n >= 100_000) {
          targets[`coldStart${n}`] = { value: coldSec, met: coldSec < 20, note: `${n} endpoints from cold start < 20 s` };
          targets[`firstConfiguration${n}`] = { value: firstSec, met: firstSec < 60, note: `${n} endpoints first configuration < 60 s` };
          targets[`reconnectStorm${n}`] = { value: stormSec, met: stormSec < 20, note: `${n} endpoints reconnect storm < 20 s` };
        }
      }

      const peak = rss.stop();
      if (heap) process.stderr.write(`  hub bench heap, ${n} endpoints (written to ${heapDir}):\n${await heap.dump(`hub-${n}`)}\n`);
      results.push({
        area: "hub",
        name: `resources, ${n} endpoints`,
        values: { peakRssMB: Math.round(peak), rssBeforeHubMB: Math.round(rssBefore), heapUsedMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20), cpuSecPer1000: r2(cpuPerK) },
        note: `hub process only (simulators run in a child process); peak RSS during ${rss.peakPhase}`,
      });
      if (n === 1000 || (n >= 1000 && !targets.p99)) targets.p99 = { value: p1k.p99, met: p1k.p99 < 5, note: `hub-added p99 < 5 ms at 1,000/s (${n} endpoints)` };
      if (n === 10_000) {
        targets.p99at10k = { value: p1k.p99, met: p1k.p99 < 5, note: `hub-added p99 < 5 ms at 1,000/s (${n} endpoints)` };
        targets.rss = { value: peak, met: peak < 200, note: `peak RSS < 200 MB at ${n} endpoints` };
      }
      if (n >= 100_000) targets[`rss${n}`] = { value: peak, met: peak < 1024, note: `peak RSS < 1 GB at ${n} endpoints` };
    } catch (e) {
      // Report what failed and keep the numbers measured so far (a benchmark reports, it does not abort).
      results.push({ area: "hub", name: `ERROR at ${n} endpoints`, values: { peakRssMB: Math.round(rss.stop()) }, note: (e as Error).message.slice(0, 300) });
    } finally {
      rss.stop();
      await heap?.stop();
      if (running) {
        await running.app.close().catch(() => undefined);
        await running.hub.close({ undo: false }).catch(() => undefined);
        await running.registry.close().catch(() => undefined);
      }
      await sim?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  for (const [key, t] of Object.entries(targets)) {
    results.push({ area: "hub", name: `target ${key}`, values: { value: r2(t.value), met: t.met ? 1 : 0 }, note: `${t.met ? "MET" : "MISSED"}: ${t.note}` });
  }
  results.push({ area: "hub", name: "bench wall time", values: { seconds: Math.round((now() - benchStart) / 1000) } });
  return results;
}
