// Supervisor state machine with a fake session factory: backoff growth and reset after a stable period,
// auth_failed without retries, config errors terminal, access errors shown as "error" but retried.
import { describe, expect, it } from "vitest";
import { type Session, Supervisor } from "../../connectors/innovaphone/supervisor.js";
import type { ConnectorStatus } from "../../engine/ports/adapters.js";
import { HubError } from "../../common/errors.js";
import { logger } from "../../common/log.js";
import { waitFor } from "./helpers.js";

function fakeSession(): Session & { drop: (m?: string) => void } {
  let resolve!: (e: HubError) => void;
  const closed = new Promise<HubError>((r) => {
    resolve = r;
  });
  return {
    closed,
    close: () => resolve(new HubError("CONNECTION_CLOSED", "closed")),
    drop: (m = "dropped") => resolve(new HubError("CONNECTION_CLOSED", m)),
  };
}

function make(connect: () => Promise<Session>, stableMs = 200, baseMs = 10) {
  const statuses: ConnectorStatus[] = [];
  const delays: number[] = [];
  const sup = new Supervisor(connect, (s) => statuses.push(s), logger("test"), {
    baseMs,
    capMs: 8 * baseMs,
    stableMs,
    random: () => 0.99,
  });
  return { sup, statuses, delays };
}

describe("Supervisor", () => {
  it("backs off exponentially (capped) on transient failures and goes online", async () => {
    let n = 0;
    const { sup, statuses } = make(async () => {
      n++;
      if (n < 5) throw new HubError("CONNECT_FAILED", "refused");
      return fakeSession();
    });
    sup.start();
    await waitFor(() => sup.status().state === "online");
    const backoffs = statuses.filter((s) => s.state === "backoff");
    expect(backoffs).toHaveLength(4);
    const waits = backoffs.map((s) => Date.parse(s.retryAt!) - Date.parse(s.since));
    // ceilings 10, 20, 40, 80 (×0.99, min 50)
    expect(waits[3]).toBeLessThanOrEqual(80);
    expect(backoffs[0].reason).toMatch(/refused; retrying in/);
    await sup.stop();
    expect(sup.status().state).toBe("offline");
  });

  it("resets the attempt counter only after a stable period", async () => {
    const sessions: Array<ReturnType<typeof fakeSession>> = [];
    const { sup, statuses } = make(
      async () => {
        const s = fakeSession();
        sessions.push(s);
        return s;
      },
      400,
      100,
    );
    const wait = (s: ConnectorStatus) => Date.parse(s.retryAt!) - Date.parse(s.since);
    sup.start();
    // two quick drops: the second backoff uses attempt 1 (ceiling 200 ms)
    await waitFor(() => sessions.length === 1);
    sessions[0].drop();
    await waitFor(() => sessions.length === 2);
    sessions[1].drop();
    await waitFor(() => sessions.length === 3);
    const b = statuses.filter((s) => s.state === "backoff").map(wait);
    expect(b).toHaveLength(2);
    expect(b[0]).toBeLessThan(100);
    expect(b[1]).toBeGreaterThan(150);
    // stable for longer than 400 ms → the next drop starts from attempt 0 again
    await new Promise((r) => setTimeout(r, 450));
    sessions[2].drop("later");
    await waitFor(() => sessions.length === 4);
    const after = statuses.filter((s) => s.state === "backoff").map(wait);
    expect(after[2]).toBeLessThan(100);
    expect(sup.attempts).toBe(4);
    await sup.stop();
  });

  it("stops on AUTH_FAILED and on CONFIG_INVALID; retries ACCESS_DENIED in state error", async () => {
    let calls = 0;
    const a = make(async () => {
      calls++;
      throw new HubError("AUTH_FAILED", "Login failed: wrong app object name or password");
    });
    a.sup.start();
    await waitFor(() => a.sup.status().state === "auth_failed");
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(1);

    const c = make(async () => {
      throw new HubError("CONFIG_INVALID", "bad port");
    });
    c.sup.start();
    await waitFor(() => c.sup.status().state === "error");
    expect(c.sup.attempts).toBe(1);

    let d = 0;
    const x = make(async () => {
      d++;
      if (d < 3) throw new HubError("ACCESS_DENIED", "PbxApi does not answer");
      return fakeSession();
    });
    x.sup.start();
    await waitFor(() => x.sup.status().state === "online");
    expect(x.statuses.filter((s) => s.state === "error")).toHaveLength(2);
    await x.sup.stop();
  });
});
