// GET /api/connector-modules: what the UI renders the Configure dialog from — per installed PBX vendor its
// form (with the hub's default-destination field composed in before the vendor's sections), the defaults
// of a new connector (no secrets), the secret fields and the JSON Schema of `config`.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../server/app.js";
import { hashPassword } from "../../server/auth/password.js";
import { createFakeHub } from "./fake-hub.js";

const TOKEN = "test-token-0123456789abcdefghij";
let app: FastifyInstance;

beforeAll(async () => {
  app = await buildApp({
    hub: createFakeHub({ users: 1 }),
    admin: { user: "admin", passwordHash: await hashPassword("pw") },
    apiToken: TOKEN,
    publicBaseUrl: "http://127.0.0.1:8080",
  });
});
afterAll(async () => {
  await app.close();
});

const get = (url: string, auth = true) =>
  app.inject({ method: "GET", url, headers: auth ? { authorization: `Bearer ${TOKEN}` } : {} });

describe("GET /api/connector-modules", () => {
  it("needs authentication", async () => {
    expect((await get("/api/connector-modules", false)).statusCode).toBe(401);
  });

  it("serves the innovaphone form with the hub's field composed in, defaults without secrets", async () => {
    const res = await get("/api/connector-modules");
    expect(res.statusCode).toBe(200);
    const innovaphone = res.json().find((m: { kind: string }) => m.kind === "innovaphone");
    expect(innovaphone.form.map((f: { key: string }) => f.key)).toEqual([
      "server",
      "protocol",
      "port",
      "username",
      "password",
      "defaultDestination",
      "tls.insecure",
      "tls.ca",
    ]);
    expect(innovaphone.defaults).toEqual({
      server: "",
      port: 443,
      protocol: "wss",
      username: "",
      modulePath: "PBX0",
      tls: { insecure: false },
      defaultDestination: "",
    });
    expect(innovaphone.secretFields).toEqual(["password"]);
    expect(innovaphone.address).toBe("{protocol}://{server}:{port}");
    expect(innovaphone.configSchema.properties.port).toMatchObject({ type: "integer", maximum: 65535 });
    expect(innovaphone.configSchema.properties.defaultDestination).toMatchObject({ type: "string" });
    expect(innovaphone.configSchema.additionalProperties).toBe(false);
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await get("/api/openapi.json")).json();
    expect(Object.keys(doc.paths)).toContain("/api/connector-modules");
  });
});
