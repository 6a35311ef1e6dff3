// HTTP control API of the PBX simulator, on the same port as the AppWebsocket (`/_sim/...`), so demos and
// other-language integrators can drive it with curl. JSON in, JSON out; errors as {code, message}.
import type http from "node:http";
import { HubError, isHubError } from "../../../common/errors.js";
import type { PbxSimulator } from "./api.js";
import type { SimAppObject, SimFaults, SimUserInput } from "./types.js";

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
    return v as Record<string, unknown>;
  } catch {
    throw new HubError("VALIDATION", "Body must be a JSON object");
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body ?? {}));
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Route table in one function: few endpoints, no framework needed. */
export async function handleControlRequest(
  sim: PbxSimulator,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", "http://sim");
  const parts = url.pathname.split("/").filter(Boolean).slice(1).map(decodeURIComponent); // drop "_sim"
  try {
    const body = method === "GET" || method === "DELETE" ? {} : await readJson(req);
    const [a, b, c] = parts;
    if (a === "users" && !b) {
      if (method === "GET") return send(res, 200, sim.users());
      if (method === "POST") return send(res, 201, { guid: sim.addUser(body as unknown as SimUserInput) });
    }
    if (a === "users" && b && !c) {
      if (method === "GET") return send(res, 200, sim.user(b));
      if (method === "PATCH") {
        sim.updateUser(b, body as Partial<SimUserInput>);
        return send(res, 200, sim.user(b));
      }
      if (method === "DELETE") {
        sim.deleteUser(b);
        return send(res, 200, { ok: true });
      }
    }
    if (a === "users" && b && c === "calls" && method === "DELETE") {
      // Hang up every call of the user (no call id needed).
      const calls = (sim.user(b).calls as { id: string }[] | undefined) ?? [];
      for (const call of calls) sim.endCall(call.id);
      return send(res, 200, { ended: calls.length });
    }
    if (a === "users" && b && method === "POST") {
      if (c === "presence") {
        sim.setOwnPresence(b, str(body.activity) ?? "", str(body.note) ?? "", str(body.contact) ?? "tel:");
        return send(res, 200, sim.user(b));
      }
      if (c === "calls") {
        const direction = body.direction === "out" ? "out" : "in";
        const call = sim.startCall(b, { peer: str(body.peer), direction });
        // `answer: true` starts it connected: one command for "the user is on a call" (demo, scripts).
        if (body.answer === true) sim.answerCall(call);
        return send(res, 201, { call });
      }
      if (c === "dial")
        return send(res, 200, sim.dial(b, { peer: str(body.peer), ring: body.ring !== false }));
    }
    if (a === "calls" && b) {
      if (method === "DELETE" || (method === "POST" && c === "end")) {
        sim.endCall(b);
        return send(res, 200, { ok: true });
      }
      if (method === "POST" && c === "answer") {
        sim.answerCall(b);
        return send(res, 200, { ok: true });
      }
      if (method === "POST" && c === "hold") {
        sim.holdCall(b, true);
        return send(res, 200, { ok: true });
      }
      if (method === "POST" && c === "retrieve") {
        sim.holdCall(b, false);
        return send(res, 200, { ok: true });
      }
    }
    if (a === "drop" && method === "POST") {
      sim.dropAll();
      return send(res, 200, { ok: true });
    }
    if (a === "faults") {
      if (method === "POST" || method === "PUT") sim.setFaults(body as SimFaults);
      return send(res, 200, sim.faults());
    }
    if (a === "apps" && b && method === "PUT") {
      sim.setApp({ ...(body as unknown as SimAppObject), name: b });
      return send(res, 200, { ok: true });
    }
    if (a === "log") {
      if (method === "DELETE") {
        sim.clearLog();
        return send(res, 200, { ok: true });
      }
      const since = Number(url.searchParams.get("since") ?? 0);
      return send(res, 200, sim.log().slice(since));
    }
    if (a === "raw" && method === "POST") {
      sim.sendRaw(str(body.text) ?? "");
      return send(res, 200, { ok: true });
    }
    if (a === "stats") return send(res, 200, sim.stats());
    if (a === "cert" && method === "GET") {
      if (!sim.certPem)
        return send(res, 404, { code: "NOT_FOUND", message: "The simulator runs without TLS" });
      res.writeHead(200, { "content-type": "application/x-pem-file" }).end(sim.certPem);
      return;
    }
    if (a === "reset" && method === "POST") {
      sim.reset();
      return send(res, 200, { ok: true });
    }
    send(res, 404, { code: "NOT_FOUND", message: `No control route ${method} ${url.pathname}` });
  } catch (e) {
    const status = isHubError(e, "NOT_FOUND")
      ? 404
      : isHubError(e, "CONFLICT")
        ? 409
        : isHubError(e)
          ? 400
          : 500;
    send(res, status, isHubError(e) ? e.toJSON() : { code: "INTERNAL", message: String(e) });
  }
}
