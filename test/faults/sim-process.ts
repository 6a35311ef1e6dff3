// The PBX and Graph simulators in a child process, driven over IPC. The bench uses it so the hub's process
// measures only the hub (RSS, CPU seconds) and the simulators get the other core; load is generated inside
// the child (`streamTeams`, `streamCalls`) so the IPC channel is not on the measured path.
// Run as a child: `node --import tsx test/faults/sim-process.ts` (started by `SimProcess.start`).
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DEFAULT_HUB_CONTACT } from "../../connectors/innovaphone/config.js";
import { startWorld, type World, type WorldUser } from "./harness.js";

interface Request {
  id: number;
  method: string;
  args: unknown[];
}

export interface SimInfo {
  pbxPort: number;
  graph: { url: string; tenantId: string; clientId: string; clientSecret: string; serviceAccounts: { id: string; upn: string }[] };
  users: WorldUser[];
}

/** Parent side: a typed RPC client for the child. */
export class SimProcess {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private constructor(private readonly child: ChildProcess) {
    child.on("message", (m: { id: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.result);
    });
    child.on("exit", () => {
      for (const w of this.waiting.values()) w.reject(new Error("simulator process exited"));
      this.waiting.clear();
    });
  }

  static async start(users: number, ownCfbEvery = 1): Promise<{ sim: SimProcess; info: SimInfo }> {
    const child = fork(fileURLToPath(import.meta.url), [], {
      // SIM_NODE_ARGS: extra node flags for the child, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p" to profile the simulators.
      execArgv: ["--import", "tsx", ...(process.env.SIM_NODE_ARGS ?? "").split(" ").filter(Boolean)],
      env: { ...process.env, LOG_LEVEL: "silent" },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const sim = new SimProcess(child);
    const info = (await sim.call("start", users, ownCfbEvery)) as SimInfo;
    return { sim, info };
  }

  call(method: string, ...args: unknown[]): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, method, args } satisfies Request);
    });
  }

  async close(): Promise<void> {
    await this.call("close").catch(() => undefined);
    // Let it exit by itself (a profiled child writes its profile on exit), then make sure.
    if (this.child.exitCode === null)
      await new Promise((r) => {
        const t = setTimeout(r, 3000);
        this.child.once("exit", () => {
          clearTimeout(t);
          r(undefined);
        });
      });
    if (this.child.exitCode === null) this.child.kill();
  }
}

// ------------------------------------------------------------------ child side

async function child(): Promise<void> {
  let world: World | undefined;
  const w = () => {
    if (!world) throw new Error("not started");
    return world;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** Offer `rate` changes/s for `durationMs`, round-robin over users, in 5 ms ticks; returns changes made. */
  async function paced(rate: number, durationMs: number, change: (k: number) => void): Promise<number> {
    const t0 = performance.now();
    let done = 0;
    for (;;) {
      const elapsed = performance.now() - t0;
      if (elapsed >= durationMs) break;
      const due = Math.floor((elapsed / 1000) * rate);
      while (done < due) change(done++);
      await sleep(5);
    }
    return done;
  }

  const methods: Record<string, (...args: never[]) => unknown> = {
    start: async (n: number, ownCfbEvery: number) => {
      // The log must hold a whole synchronization's SubscribePresence requests (pbxCount counts them).
      world = await startWorld(n, { ownCfbEvery, pbx: { logLimit: Math.max(200_000, 4 * n) } });
      const g = world.graph;
      return {
        pbxPort: world.pbx.port,
        graph: { url: g.url, tenantId: g.tenantId, clientId: g.clientId, clientSecret: g.clientSecret, serviceAccounts: g.serviceAccounts },
        users: world.users,
      } satisfies SimInfo;
    },
    /** Toggle users' Teams client between Available and Busy/InACall, round robin from `offset`. */
    streamTeams: (rate: number, durationMs: number, offset: number) => {
      const { users } = w();
      return paced(rate, durationMs, (k) => {
        const u = users[(offset + k) % users.length];
        const inj = w().injected.get(u.h323)!;
        w().setClient(u, inj.client.activity === "InACall" ? { availability: "Available", activity: "Available" } : { availability: "Busy", activity: "InACall" });
      });
    },
    /** Start+answer or end a PBX call per user, round robin. */
    streamCalls: (rate: number, durationMs: number, offset: number) => {
      const { users } = w();
      return paced(rate, durationMs, (k) => {
        const u = users[(offset + k) % users.length];
        if (w().injected.get(u.h323)!.call) w().endCall(u);
        else w().startCall(u);
      });
    },
    /** Every user back to Available / no call. */
    neutral: () => {
      for (const u of w().users) {
        w().endCall(u);
        if (w().injected.get(u.h323)!.client.activity !== "Available") w().setClient(u, { availability: "Available", activity: "Available" });
      }
    },
    pbxStats: () => w().pbx.stats(),
    /** CPU seconds (user + system) this simulator process has used so far. */
    cpuSeconds: () => {
      const c = process.cpuUsage();
      return (c.user + c.system) / 1e6;
    },
    /** How many SubscribePresence requests the PBX has received (all connections). */
    pbxCount: (mt: string) => w().pbx.log().filter((e) => typeof e.msg === "object" && e.msg.mt === mt).length,
    pbxClearLog: () => w().pbx.clearLog(),
    pbxDropAll: () => w().pbx.dropAll(),
    /** Users whose hub slot on the PBX is not empty. */
    pbxHubSlots: () =>
      w().users.filter((u) => (w().pbx.user(u.h323).presence as { contact: string; activity: string }[]).some((p) => p.contact === DEFAULT_HUB_CONTACT && p.activity)).length,
    /** Users covered by an active Graph subscription. */
    graphSubscribedUsers: () => {
      let n = 0;
      for (const s of w().graph.subscriptions()) {
        const m = /\(([^)]*)\)/.exec(String(s.resource));
        n += m ? m[1].split(",").length : 1;
      }
      return n;
    },
    graphSessions: () => w().graph.users().filter((u) => u.sessions.has(w().graph.clientId)).length,
    graphRequests: () => w().graph.requests().length,
    /** Graph requests by "METHOD /path-shape" since the last clear (ids collapsed), e.g. subscription churn. */
    graphRequestCounts: () => {
      const out: Record<string, number> = {};
      for (const r of w().graph.requests()) {
        const key = `${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, ":id")}`;
        out[key] = (out[key] ?? 0) + 1;
      }
      return out;
    },
    graphClearLogs: () => w().graph.clearLogs(),
    close: async () => {
      await world?.close();
      setImmediate(() => process.exit(0));
    },
  };

  process.on("message", async (m: Request) => {
    try {
      const fn = methods[m.method];
      if (!fn) throw new Error(`unknown method ${m.method}`);
      const result = await (fn as (...a: unknown[]) => unknown)(...m.args);
      process.send?.({ id: m.id, result });
    } catch (e) {
      process.send?.({ id: m.id, error: (e as Error).message });
    }
  });
  process.on("disconnect", () => process.exit(0));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.send) void child();
