// The live stream over a real socket: authenticated, text/event-stream, hub messages as named SSE events,
// and closing the server ends open streams instead of waiting for the browser.
import { describe, expect, it } from "vitest";
import { buildApp } from "../../server/app.js";
import { hashPassword } from "../../server/auth/password.js";
import { createFakeHub } from "./fake-hub.js";

const TOKEN = "sse-token-0123456789abcdefghijkl";

describe("GET /api/events/stream", () => {
  it("streams hub messages and ends on close", async () => {
    const hub = createFakeHub({ users: 1 });
    const app = await buildApp({ hub, admin: { user: "admin", passwordHash: await hashPassword("x") }, apiToken: TOKEN, publicBaseUrl: "http://127.0.0.1" });
    const base = await app.listen({ host: "127.0.0.1", port: 0 });
    expect((await fetch(`${base}/api/events/stream`)).status).toBe(401);
    const res = await fetch(`${base}/api/events/stream`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
    };
    await readUntil("retry:");
    hub.emit({ type: "teams", tenant: "default", status: { state: "online", reason: "ok", since: new Date().toISOString() } });
    await readUntil("event: teams");
    expect(text).toMatch(/event: teams\ndata: \{"type":"teams","tenant":"default","status":\{"state":"online"/);
    const closed = app.close();
    await readUntil("__never__"); // returns when the server ends the stream
    await closed;
  });
});
