// The UI message catalogues (server/ui/js/i18n/en.js, de.js) are complete and used: the same keys in both,
// the same placeholders and plural forms per key, every key the UI code names exists, no key is unused;
// every field of every installed PBX module's Configure form has a German label (i18n/forms.js), and the
// shipped rule sets carry German titles and descriptions (rule set `i18n.de`, returned by the API).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { defaultRulesDir, uiDir } from "../../common/paths.js";
import { RuleRegistry } from "../../engine/rules/registry.js";
import { installedPbxModules } from "../../server/hub/pbx-modules.js";
import { connectorTypesRoutes } from "../../server/routes/connector-types.js";

type Entry = string | Record<string, string>;
type Catalogue = Record<string, Entry>;

const load = async (file: string) =>
  ((await import(pathToFileURL(join(uiDir, "js", "i18n", file)).href)) as { default: unknown }).default;

/** Every .js file of the UI (catalogues excluded) and index.html, as text. */
function uiSources(): string {
  const out: string[] = [readFileSync(join(uiDir, "index.html"), "utf8")];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "i18n") walk(p);
      } else if (e.name.endsWith(".js")) out.push(readFileSync(p, "utf8"));
    }
  };
  walk(join(uiDir, "js"));
  return out.join("\n");
}

const placeholders = (v: Entry) =>
  [...new Set((typeof v === "string" ? [v] : Object.values(v)).flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort();

describe("UI message catalogues", async () => {
  const en = (await load("en.js")) as Catalogue;
  const de = (await load("de.js")) as Catalogue;
  const sources = uiSources();

  it("en and de have the same keys", () => {
    expect(Object.keys(de).filter((k) => !(k in en)), "in de, not in en").toEqual([]);
    expect(Object.keys(en).filter((k) => !(k in de)), "in en, not in de").toEqual([]);
  });

  it("each key has the same placeholders and the same kind (text or plural) in both", () => {
    for (const k of Object.keys(en)) {
      expect(typeof de[k], k).toBe(typeof en[k]);
      if (typeof en[k] === "object") {
        expect(Object.keys(en[k] as object).sort(), `${k} plural forms (en)`).toEqual(["one", "other"]);
        expect(Object.keys(de[k] as object).sort(), `${k} plural forms (de)`).toEqual(["one", "other"]);
      }
      // German may leave out a count its singular does not need ("1 Benutzer"), never add one.
      for (const p of placeholders(de[k])) expect(placeholders(en[k]), `${k}: {${p}}`).toContain(p);
    }
  });

  it("no German text is left empty or English where the words differ", () => {
    for (const k of Object.keys(de)) {
      const v = de[k];
      for (const s of typeof v === "string" ? [v] : Object.values(v)) expect(s.trim(), k).not.toBe("");
    }
  });

  it("every key the UI names exists", () => {
    const named = new Set<string>();
    for (const m of sources.matchAll(/\bt\("([^"]+)"/g)) named.add(m[1]);
    for (const m of sources.matchAll(/data-i18n(?:-label|-title)?="([^"]+)"/g)) named.add(m[1]);
    for (const m of sources.matchAll(/["']((?:status|endpoints|connectors)\.[a-zA-Z]+)["']/g)) named.add(m[1]);
    expect([...named].filter((k) => !(k in en))).toEqual([]);
  });

  it("no key is unused", () => {
    const groups = new Set([...sources.matchAll(/\blabel\("([a-zA-Z]+)"/g)].map((m) => m[1]));
    const unused = Object.keys(en).filter((k) => {
      if (sources.includes(`"${k}"`)) return false;
      const group = k.split(".")[0];
      return !groups.has(group);
    });
    expect(unused).toEqual([]);
  });
});

describe("German Configure forms", async () => {
  const forms = (await load("forms.js")) as { de: Record<string, string> };

  it("every field of every installed PBX module has a German label (and help, where it has one)", () => {
    const missing: string[] = [];
    for (const m of installedPbxModules()) {
      for (const f of m.form) {
        const has = (what: string) => forms.de[`${m.module.kind}.${f.key}.${what}`] ?? forms.de[`*.${f.key}.${what}`];
        if (!has("label")) missing.push(`${m.module.kind}.${f.key}.label`);
        if (f.help && !has("help")) missing.push(`${m.module.kind}.${f.key}.help`);
        if (f.section && !has("section")) missing.push(`${m.module.kind}.${f.key}.section`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe("rule-set translations", () => {
  it("GET /api/connector-types returns each shipped type's German title and description", async () => {
    const registry = new RuleRegistry();
    await registry.load(defaultRulesDir);
    const app = Fastify();
    await app.register(connectorTypesRoutes, { registry });
    try {
      const list = (await app.inject({ method: "GET", url: "/api/connector-types" })).json() as {
        id: string;
        title: string;
        i18n?: { de?: { title?: string; description?: string } };
      }[];
      expect(list.length).toBeGreaterThan(0);
      for (const t of list) {
        expect(t.i18n?.de?.title, t.id).toBeTruthy();
        expect(t.i18n?.de?.description, t.id).toBeTruthy();
        expect(t.i18n?.de?.title).not.toBe(t.title);
      }
      expect(list.find((t) => t.id === "innovaphone-dnd")?.i18n?.de?.title).toContain("Nicht stören");
    } finally {
      await app.close();
      await registry.close();
    }
  });
});
