// The shared connection supervisor (common/supervisor.ts) with a fake session factory: backoff growth and
// reset after a stable period, the default taxonomy (auth_failed and config errors stop, access errors are
// shown as "error" but retried), the "slow" retry the Teams adapter uses for auth failures, restart (new
// credentials) and stop in every phase, and status updates only while a session is up.
import { describe, expect, it } from "vitest";
import { HubError } from "../../common/errors.js";
import { logger } from "../../common/log.js";
import {
  type ConnectorStatus,
  type Failure,
  type Session,
  Supervisor,
  type SupervisorOptions,
} from "../../common/supervisor.js";
import { waitFor } from "../innovaphone/helpers.js";

type FakeSession = Session & { drop: (m?: string) => void; closedByHub: boolean };

function fakeSession(): FakeSession {
  let resolve!: (e: HubError) => void;
  const closed = new Promise<HubError>((r) => {
    resolve = r;
  });
  const s: FakeSession = {
    closed,
    closedByHub: false,
    close: () => {
      s.closedByHub = true;
      resolve(new HubError("CONNECTION_CLOSED", "closed"));
    },
    drop: (m = "dropped") => resolve(new HubError("CONNECTION_CLOSED", m)),
  };
  return s;
}

function make(
  connect: (signal: AbortSignal) => Promise<Session>,
  stableMs = 200,
  baseMs = 10,
  extra: Partial<SupervisorOptions> = {},
) {
  const statuses: ConnectorStatus[] = [];
  const sup = new Supervisor(connect, (s) => statuses.push(s), logger("test"), {
    name: "test",
    connectingReason: "Connecting to the thing",
    backoff: { baseMs, capMs: 8 * baseMs, stableMs, random: () => 0.99 },
    ...extra,
  });
  return { sup, statuses };
}

const wait = (s: ConnectorStatus) => Date.parse(s.retryAt!) - Date.parse(s.since);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Supervisor", () => {
  it("backs off exponentially (capped) on transient failures and goes online", async () => {
    let n = 0;
    const { sup, statuses } = make(async () => {
      n++;
      if (n < 5) throw new HubError("CONNECT_FAILED", "refused");
      return fakeSession();
    });
    sup.start();
    expect(sup.status()).toMatchObject({ state: "connecting", reason: "Connecting to the thing" });
    await waitFor(() => sup.status().state === "online");
    expect(sup.status().reason).toBe("Connected");
    const backoffs = statuses.filter((s) => s.state === "backoff");
    expect(backoffs).toHaveLength(4);
    // ceilings 10, 20, 40, 80 × 0.99 (the 50 ms floor never above the ceiling)
    for (const b of backoffs) expect(wait(b)).toBeLessThanOrEqual(80);
    expect(wait(backoffs[3]!)).toBeGreaterThanOrEqual(75);
    expect(backoffs[0]!.reason).toMatch(/refused; retrying in 1 s/);
    await sup.stop();
    expect(sup.status()).toMatchObject({ state: "offline", reason: "Stopped" });
  });

  it("resets the attempt counter only after a stable period", async () => {
    const sessions: FakeSession[] = [];
    const { sup, statuses } = make(
      async () => {
        const s = fakeSession();
        sessions.push(s);
        return s;
      },
      400,
      100,
    );
    sup.start();
    // two quick drops: the second backoff uses attempt 1 (ceiling 200 ms)
    await waitFor(() => sessions.length === 1);
    sessions[0]!.drop();
    await waitFor(() => sessions.length === 2);
    sessions[1]!.drop();
    await waitFor(() => sessions.length === 3);
    const b = statuses.filter((s) => s.state === "backoff");
    expect(b).toHaveLength(2);
    expect(b[0]!.reason).toMatch(/^Connection lost: dropped; retrying in/);
    expect(wait(b[0]!)).toBeLessThan(100);
    expect(wait(b[1]!)).toBeGreaterThan(150);
    // stable for longer than 400 ms → the next drop starts from attempt 0 again
    await sleep(450);
    sessions[2]!.drop("later");
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
    expect(a.sup.status().reason).toBe("Login failed: wrong app object name or password");
    await sleep(100);
    expect(calls).toBe(1);
    expect(a.sup.active).toBe(false);

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

  it("retries a 'slow' failure at the fixed pause, without countdown text when asked, until it succeeds", async () => {
    let n = 0;
    const classify = (e: unknown): Failure => ({
      state: "auth_failed",
      reason: `sign-in failed: ${(e as Error).message}`,
      retry: "slow",
    });
    const { sup, statuses } = make(
      async () => {
        n++;
        if (n < 3) throw new HubError("AUTH_FAILED", "secret wrong");
        return { ...fakeSession(), reason: "Live" };
      },
      200,
      10,
      { classify, slowRetryMs: 120, retryHint: false },
    );
    const t0 = Date.now();
    sup.start();
    await waitFor(() => sup.status().state === "online");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2 * 120 - 5);
    expect(sup.status().reason).toBe("Live");
    const failed = statuses.filter((s) => s.state === "auth_failed");
    expect(failed).toHaveLength(2);
    expect(failed[0]!.reason).toBe("sign-in failed: secret wrong");
    for (const f of failed) expect(wait(f)).toBeGreaterThanOrEqual(115);
    await sup.stop();
  });

  it("ends cleanly when stopped during a backoff pause", async () => {
    let n = 0;
    const { sup, statuses } = make(
      async () => {
        n++;
        throw new HubError("CONNECT_FAILED", "refused");
      },
      200,
      5000,
    );
    sup.start();
    await waitFor(() => sup.status().state === "backoff");
    const t0 = Date.now();
    await sup.stop();
    expect(Date.now() - t0).toBeLessThan(100);
    expect(sup.status().state).toBe("offline");
    const count = statuses.length;
    await sleep(100);
    expect(n).toBe(1);
    expect(statuses).toHaveLength(count);
  });

  it("does not wait for a hanging connect when stopped, and closes a session that arrives late", async () => {
    const late = fakeSession();
    let release!: () => void;
    const { sup } = make(() => new Promise<Session>((r) => (release = () => r(late))));
    sup.start();
    await sup.stop();
    expect(sup.status().state).toBe("offline");
    release();
    await waitFor(() => late.closedByHub, 1000, "late session closed");
    expect(sup.status().state).toBe("offline");
  });

  it("restart closes the session (awaited) and connects again at once", async () => {
    const sessions: FakeSession[] = [];
    const signals: AbortSignal[] = [];
    let closing = false;
    const { sup } = make(async (signal) => {
      expect(closing).toBe(false); // the old session's close finished before the new connect
      signals.push(signal);
      const s = fakeSession();
      const close = s.close;
      s.close = async () => {
        closing = true;
        await sleep(30);
        close();
        closing = false;
      };
      sessions.push(s);
      return s;
    });
    sup.start();
    await waitFor(() => sup.status().state === "online");
    await sup.restart();
    expect(sessions[0]!.closedByHub).toBe(true);
    expect(signals[0]!.aborted).toBe(true);
    await waitFor(() => sessions.length === 2 && sup.status().state === "online");
    expect(sup.attempts).toBe(2);
    await sup.stop();
    expect(sessions[1]!.closedByHub).toBe(true);
  });

  it("restart during a backoff pause or a connect starts over at once", async () => {
    let n = 0;
    const { sup } = make(
      async (signal) => {
        n++;
        if (n === 1) throw new HubError("CONNECT_FAILED", "refused");
        if (n === 2)
          return new Promise<Session>((_, reject) =>
            signal.addEventListener("abort", () => reject(new Error("aborted"))),
          );
        return fakeSession();
      },
      200,
      10_000,
    );
    sup.start();
    await waitFor(() => sup.status().state === "backoff");
    await sup.restart(); // wakes the 10 s pause
    await waitFor(() => n === 2 && sup.status().state === "connecting");
    await sup.restart(); // abandons the hanging connect
    await waitFor(() => sup.status().state === "online", 1000);
    expect(n).toBe(3);
    await sup.stop();
  });

  it("setReason and report change the status only while a session is up", async () => {
    const s = fakeSession();
    const { sup } = make(async () => s);
    sup.setReason("too early");
    sup.report("backoff", "too early");
    expect(sup.status()).toMatchObject({ state: "offline", reason: "Not started" });
    sup.start();
    await waitFor(() => sup.status().state === "online");
    sup.report("backoff", "Presence poll failed: boom", new Date(Date.now() + 1000));
    expect(sup.status()).toMatchObject({ state: "backoff", reason: "Presence poll failed: boom" });
    expect(sup.status().retryAt).toBeDefined();
    sup.setReason("Polling 3 users");
    expect(sup.status()).toMatchObject({ state: "online", reason: "Polling 3 users" });
    await sup.stop();
    sup.setReason("too late");
    expect(sup.status().state).toBe("offline");
  });

  it("fail() enters a terminal state without connecting", () => {
    let calls = 0;
    const { sup } = make(async () => {
      calls++;
      return fakeSession();
    });
    sup.fail("error", "Not configured");
    expect(sup.status()).toMatchObject({ state: "error", reason: "Not configured" });
    expect(calls).toBe(0);
  });
});
