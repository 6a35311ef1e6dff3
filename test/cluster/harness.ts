// The multi-instance world: a throwaway PostgreSQL cluster, the PBX and Graph simulators with N users
// (test/faults/harness.ts), a round-robin load balancer (no sticky sessions) and hub processes started with
// the real command line (`presence-hub start` with PRESENCE_HUB_DATABASE_URL), configured like an admin
// would through the load balancer's URL. Graph's webhook and the sign-in redirect point at the load
// balancer too, so notifications and callbacks land on any instance.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../common/paths.js";
import { APP, DEFAULT_DESTINATION, RULE_TYPE, startWorld, until, type World } from "../faults/harness.js";
import { graphSimSettings, pbxSimConfig } from "../hub/sim-settings.js";
import { type PostgresCluster, startPostgres } from "../pg/cluster.js";
import { type LoadBalancer, startLoadBalancer } from "./load-balancer.js";

export const API_TOKEN = "cluster-test-api-token-0123456789abcdef";
export const ADMIN_PASSWORD = "cluster-admin-Passw0rd";
const SECRET_KEY = Buffer.alloc(32, 42).toString("base64");

export interface HubNode {
  name: string;
  child: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<number | null>;
}

export interface ClusterWorld {
  pg: PostgresCluster;
  dbUrl: string;
  world: World;
  lb: LoadBalancer;
  nodes: Map<string, HubNode>;
  /** Start `presence-hub start` as instance `name`; resolves when it listens (its first coordination ran). */
  startNode(name: string, env?: Record<string, string>, nodeArgs?: string[]): Promise<HubNode>;
  /** Signal a node and wait for it to exit; it leaves the load balancer first (as a drained backend does). */
  stopNode(name: string, signal: NodeJS.Signals): Promise<number | null>;
  /** The admin API through the load balancer (bearer token). */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Microsoft 365 (webhook and sign-in at the load balancer) and one connector; resolves when all users are matched. */
  configure(): Promise<string>;
  close(): Promise<void>;
}

export async function startClusterWorld(users: number, name: string): Promise<ClusterWorld> {
  const pg = await startPostgres();
  const dbUrl = await pg.createDatabase(name);
  const world = await startWorld(users, { ownCfbEvery: 3 });
  const lb = await startLoadBalancer();
  const nodes = new Map<string, HubNode>();
  const dirs: string[] = [];

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${lb.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${API_TOKEN}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      // A tenant being taken over answers 503 with Retry-After: a client tries again, as this one does.
      if (res.status === 503 && attempt < 20) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    }
  };

  async function startNode(
    nodeName: string,
    extra: Record<string, string> = {},
    nodeArgs: string[] = [],
  ): Promise<HubNode> {
    const dataDir = mkdtempSync(join(tmpdir(), `ph-node-${nodeName}-`));
    dirs.push(dataDir);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PRESENCE_HUB_DATABASE_URL: dbUrl,
      PRESENCE_HUB_SECRET_KEY: SECRET_KEY,
      PRESENCE_HUB_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PRESENCE_HUB_API_TOKEN: API_TOKEN,
      PRESENCE_HUB_PUBLIC_URL: lb.url,
      PRESENCE_HUB_DATA_DIR: dataDir,
      PRESENCE_HUB_PORT: "0",
      PRESENCE_HUB_INSTANCE_ID: nodeName,
      PRESENCE_HUB_UNDO_ON_STOP: process.env.CLUSTER_UNDO ?? "false",
      PRESENCE_HUB_LOG_LEVEL: process.env.CLUSTER_LOG_LEVEL ?? "warn",
      ...extra,
    };
    delete env.VITEST;
    const child = spawn(
      process.execPath,
      [...nodeArgs, join(packageRoot, "bin", "presence-hub.js"), "start"],
      {
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const output: string[] = [];
    // CLUSTER_LOG_LEVEL=info shows every instance's log (prefixed with its name) while a test runs.
    const collect = (d: Buffer) => {
      output.push(String(d));
      if (process.env.CLUSTER_LOG_LEVEL) process.stderr.write(`[${nodeName}] ${d}`);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const url = await until(
      `instance ${nodeName} to listen`,
      () => {
        if (child.exitCode !== null)
          throw new Error(`instance ${nodeName} exited: ${output.join("").slice(-3000)}`);
        return /Open:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output.join(""))?.[1];
      },
      90_000,
      100,
    );
    const node: HubNode = { name: nodeName, child, url: url as string, output, exited };
    nodes.set(nodeName, node);
    lb.backends.add(node.url);
    return node;
  }

  async function stopNode(nodeName: string, signal: NodeJS.Signals): Promise<number | null> {
    const node = nodes.get(nodeName);
    if (!node) return null;
    lb.backends.delete(node.url);
    if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill(signal);
    const code = await node.exited;
    nodes.delete(nodeName);
    return code;
  }

  async function configure(): Promise<string> {
    const { graph, pbx } = world;
    await api(
      "PUT",
      "/api/teams",
      graphSimSettings(graph, { webhookBaseUrl: lb.url, pollIntervalSeconds: 30, enabled: true }),
    );
    for (const account of graph.serviceAccounts) {
      // The browser's path: the hub's sign-in redirect → Graph's authorize → the hub's callback (any instance).
      const start = await fetch(`${lb.url}/api/teams/service-accounts/sign-in`, {
        headers: { authorization: `Bearer ${API_TOKEN}` },
        redirect: "manual",
      });
      const authorize = start.headers.get("location");
      if (!authorize) throw new Error(`no sign-in redirect: ${start.status} ${await start.text()}`);
      const back = (
        await fetch(`${authorize}&login_hint=${encodeURIComponent(account.upn)}`, { redirect: "manual" })
      ).headers.get("location");
      if (!back) throw new Error("the Graph simulator did not redirect back");
      const cb = await fetch(back, { redirect: "manual" });
      if (!(cb.headers.get("location") ?? "").includes("signin=ok"))
        throw new Error(`sign-in failed: ${cb.headers.get("location")}`);
    }
    const c = await api<{ id: string }>("POST", "/api/connectors", {
      type: RULE_TYPE,
      name: "Cluster PBX",
      config: pbxSimConfig(pbx, APP, { defaultDestination: DEFAULT_DESTINATION }),
    });
    await until(
      "the connector to come online",
      async () =>
        (await api<{ status: { state: string } }>("GET", `/api/connectors/${c.id}`)).status.state ===
        "online",
      60_000,
      200,
    );
    await api("POST", "/api/teams/refresh");
    await api("POST", "/api/endpoints/rematch", {});
    await until(
      "every user matched",
      async () =>
        (await api<{ total: number }>("GET", "/api/endpoints?matched=true&limit=1")).total >=
        world.users.length,
      60_000,
      200,
    );
    return c.id;
  }

  return {
    pg,
    dbUrl,
    world,
    lb,
    nodes,
    startNode,
    stopNode,
    api,
    configure,
    async close() {
      for (const n of [...nodes.values()]) n.child.kill("SIGKILL");
      await Promise.all([...nodes.values()].map((n) => n.exited));
      await lb.close();
      await world.close();
      await pg.stop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** The instance running the tenant, from any instance's health (as an admin sees it). */
export async function ownerOf(cw: ClusterWorld, tenant = "default"): Promise<string | null> {
  const h = await cw.api<{ cluster?: { leases: { resource: string; owner: string | null }[] } }>(
    "GET",
    "/api/health",
  );
  return h.cluster?.leases.find((l) => l.resource === `tenant:${tenant}`)?.owner ?? null;
}

/** Wait until an instance other than `previous` runs the tenant; its name. */
export async function anotherOwner(cw: ClusterWorld, previous: string, timeoutMs: number, tenant = "default"): Promise<string> {
  return (await until(
    "another owner",
    async () => {
      const o = await ownerOf(cw, tenant).catch(() => null);
      return o && o !== previous ? o : undefined;
    },
    timeoutMs,
    100,
  )) as string;
}
