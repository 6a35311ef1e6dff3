// A throwaway PostgreSQL cluster for tests: Debian's postgresql binaries, `initdb` into a temp directory as
// the `postgres` user (initdb refuses root), a free port on 127.0.0.1, trust auth on loopback, torn down
// with stop(). Skips (with a message) only when the binaries are missing outside CI; in CI they must exist
// (.ci/run installs Debian's postgresql).
import { execFile } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

function pgBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], "bin") : undefined;
}

/** Why PostgreSQL tests cannot run here, or undefined when they can (or must: CI). */
export function postgresSkipReason(): string | undefined {
  if (pgBin()) return undefined;
  if (process.env.CI) return undefined; // must run in CI: let the start fail loudly
  return "PostgreSQL tests skipped: Debian's postgresql is not installed (apt-get install postgresql)";
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** A fresh database on this cluster (one per test file keeps them apart). */
  createDatabase(name: string, opts?: { icuLocale?: string }): Promise<string>;
  /** Stop the server (an outage); start() brings the same cluster back on the same port. */
  stopServer(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Run a binary as the postgres user when we are root (initdb and postgres refuse to run as root). */
async function asPostgres(bin: string, args: string[]): Promise<void> {
  if (userInfo().uid === 0) await run("runuser", ["-u", "postgres", "--", bin, ...args]);
  else await run(bin, args);
}

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = pgBin();
  if (!bin) throw new Error("PostgreSQL binaries not found under /usr/lib/postgresql (apt-get install postgresql)");
  const dir = mkdtempSync(join(tmpdir(), "ph-pg-"));
  chmodSync(dir, 0o755);
  if (userInfo().uid === 0) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, "data");
  const port = await freePort();
  await asPostgres(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const pgCtl = (args: string[]) => asPostgres(join(bin, "pg_ctl"), ["-D", data, ...args]);
  const start = () => pgCtl(["-o", options, "-l", join(dir, "log"), "-w", "start"]);
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    async createDatabase(name, opts = {}) {
      const pg = await import("pg");
      const client = new pg.default.Client({ connectionString: url });
      await client.connect();
      try {
        // A language collation that ignores punctuation like glibc's en_US.utf8 (the official image's default;
        // ICU needs no OS locale): orderings that only hold bytewise fail here too.
        const icu = opts.icuLocale ? ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${opts.icuLocale}'` : "";
        await client.query(`CREATE DATABASE "${name}"${icu}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stopServer: () => pgCtl(["-m", "fast", "-w", "stop"]),
    start,
    async stop() {
      await pgCtl(["-m", "immediate", "-w", "stop"]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
