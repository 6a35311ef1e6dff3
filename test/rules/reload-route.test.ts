// POST /api/rule-sets/reload through the real app (auth, OpenAPI, per-type results) and the rule-set
// reload metrics on /metrics; the rule registry serves a temp copy of rules/ without a watcher, so every
// reload in here is one the test triggers.
import { readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuleRegistry } from "../../engine/rules/registry.js";
import { buildApp } from "../../server/app.js";
import { hashPassword } from "../../server/auth/password.js";
import { hashMetricValue, registerRuleSetMetrics } from "../../server/hub/rule-metrics.js";
import { createFakeHub } from "../api/fake-hub.js";
import { type RulesDir, tempRules } from "./rules-dir.js";

const TOKEN = "test-token-0123456789abcdefghij";
const auth = { authorization: `Bearer ${TOKEN}` };
let rd: RulesDir;
let registry: RuleRegistry;
let app: FastifyInstance;

const reload = (headers: Record<string, string> = auth) =>
  app.inject({ method: "POST", url: "/api/rule-sets/reload", headers });

async function metrics(): Promise<string> {
  return (await app.inject({ method: "GET", url: "/metrics" })).body;
}

/** Value of `name{type="id"}` in the exposition text. */
function sample(text: string, name: string, id: string): number {
  const m = new RegExp(`^${name}\\{type="${id}"\\} (\\S+)$`, "m").exec(text);
  if (!m) throw new Error(`${name}{type="${id}"} not in /metrics`);
  return Number(m[1]);
}

beforeAll(async () => {
  rd = await tempRules({}, true);
  registry = new RuleRegistry();
  await registry.load(rd.dir);
  app = await buildApp({
    hub: createFakeHub(),
    registry,
    admin: { user: "admin", passwordHash: await hashPassword("correct horse") },
    apiToken: TOKEN,
    publicBaseUrl: "http://127.0.0.1:8080",
  });
});

afterAll(async () => {
  await app?.close();
  await registry?.close();
  await rd?.cleanup();
});

describe("POST /api/rule-sets/reload", () => {
  it("needs auth", async () => {
    const res = await reload({});
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("answers 200 with every type's outcome", async () => {
    const res = await reload();
    expect(res.statusCode).toBe(200);
    const body = res.json() as { ok: boolean; results: Record<string, unknown>[] };
    expect(body.ok).toBe(true);
    expect(body.results).toEqual(
      ["innovaphone-calls-only", "innovaphone-dnd", "innovaphone-mirror"].map((id) => ({
        id,
        ok: true,
        revision: 1,
        hash: registry.get(id)!.hash,
      })),
    );
  });

  it("reports a broken fragment against each set using it, relative paths only; the rest reloads", async () => {
    const good = await readFile(rd.path("fragments/pbx-call-busy.yaml"), "utf8");
    await rd.write(
      "fragments/pbx-call-busy.yaml",
      good.replace("presence: Busy/InACall", "presence: Busy/Nope"),
    );
    const body = (await reload()).json() as {
      ok: boolean;
      results: { id: string; ok: boolean; error?: string }[];
    };
    expect(body.ok).toBe(false);
    const byId = Object.fromEntries(body.results.map((r) => [r.id, r]));
    expect(byId["innovaphone-dnd"]).toMatchObject({ ok: true });
    for (const id of ["innovaphone-calls-only", "innovaphone-mirror"]) {
      expect(byId[id]).toMatchObject({ ok: false, revision: 1, hash: registry.get(id)!.hash });
      expect(byId[id]!.error).toMatch(
        new RegExp(
          `^fragments/pbx-call-busy\\.yaml:\\d+:\\d+ .*"Busy/Nope".* \\(pulled in by ${id}\\.yaml:\\d+:\\d+\\)$`,
        ),
      );
      expect(byId[id]!.error).not.toContain(rd.dir);
    }
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await app.inject({ method: "GET", url: "/api/openapi.json", headers: auth })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.paths["/api/rule-sets/reload"]?.post?.responses["200"]).toBeDefined();
  });
});

describe("rule-set reload metrics", () => {
  it("exposes success, timestamp, config hash and failures per type", async () => {
    const text = await metrics();
    // calls-only and mirror failed once (the broken fragment above); dnd never.
    expect(sample(text, "presence_hub_rule_set_last_reload_successful", "innovaphone-mirror")).toBe(0);
    expect(sample(text, "presence_hub_rule_set_last_reload_successful", "innovaphone-dnd")).toBe(1);
    expect(sample(text, "presence_hub_rule_set_reload_failures_total", "innovaphone-mirror")).toBe(1);
    expect(sample(text, "presence_hub_rule_set_reload_failures_total", "innovaphone-dnd")).toBe(0);
    const dnd = registry.get("innovaphone-dnd")!;
    expect(sample(text, "presence_hub_rule_set_config_hash", "innovaphone-dnd")).toBe(
      hashMetricValue(dnd.hash),
    );
    expect(
      sample(text, "presence_hub_rule_set_config_hash", "innovaphone-dnd").toString(16).padStart(12, "0"),
    ).toBe(dnd.hash.slice(0, 12));
    const ts = sample(text, "presence_hub_rule_set_last_reload_success_timestamp_seconds", "innovaphone-dnd");
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(60);
  });

  it("counts each further failure and recovers on a good reload", async () => {
    const before = sample(
      await metrics(),
      "presence_hub_rule_set_last_reload_success_timestamp_seconds",
      "innovaphone-mirror",
    );
    await reload();
    expect(sample(await metrics(), "presence_hub_rule_set_reload_failures_total", "innovaphone-mirror")).toBe(
      2,
    );
    const good = (await readFile(rd.path("fragments/pbx-call-busy.yaml"), "utf8")).replace(
      "Busy/Nope",
      "Busy/InACall",
    );
    await rd.write("fragments/pbx-call-busy.yaml", good);
    await reload();
    const text = await metrics();
    expect(sample(text, "presence_hub_rule_set_last_reload_successful", "innovaphone-mirror")).toBe(1);
    expect(sample(text, "presence_hub_rule_set_reload_failures_total", "innovaphone-mirror")).toBe(2);
    expect(
      sample(text, "presence_hub_rule_set_last_reload_success_timestamp_seconds", "innovaphone-mirror"),
    ).toBeGreaterThanOrEqual(before);
  });

  it("registering twice on one registry is a no-op", () => {
    const r = new Registry();
    registerRuleSetMetrics(r, registry);
    expect(() => registerRuleSetMetrics(r, registry)).not.toThrow();
    expect(r.getMetricsAsArray()).toHaveLength(4);
  });
});
