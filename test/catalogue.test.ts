// Invariants over the connector catalogue (zigbee-herdsman-converters `test/index.test.ts` style): every
// vendor folder under connectors/ is one registered module, every registered PBX module is usable end to
// end (shipped rule sets, a simulator, tests), and each module's description is consistent with itself —
// defaults valid against the schema, form keys in the schema, secrets only in password fields.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { TObject, TSchema } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { pbxConnectorModules, teamsModule } from "../connectors/index.js";
import { packageRoot } from "../common/paths.js";
import { checkInput } from "../common/validation.js";
import type { ConnectorSettingsModule, PbxConnectorModule } from "../engine/ports/connector-module.js";
import { loadRuleSetFile } from "../engine/rules/loader.js";
import { installedPbxModules } from "../server/hub/pbx-modules.js";

const connectorsDir = join(packageRoot, "connectors");
const rulesDir = join(packageRoot, "rules");
const modules = pbxConnectorModules as readonly PbxConnectorModule[];
const vendorFolders = readdirSync(connectorsDir)
  .filter((d) => statSync(join(connectorsDir, d)).isDirectory() && d !== "teams")
  .sort();

const looksLikePbxModule = (x: unknown): x is PbxConnectorModule =>
  typeof x === "object" &&
  x !== null &&
  typeof (x as PbxConnectorModule).kind === "string" &&
  typeof (x as PbxConnectorModule).create === "function" &&
  Array.isArray((x as PbxConnectorModule).form);

/** The schema of a dot path ("tls.ca") in an object schema, if declared. */
function schemaAt(schema: TObject, key: string): TSchema | undefined {
  let s: TSchema | undefined = schema;
  for (const part of key.split(".")) s = (s as TObject | undefined)?.properties?.[part];
  return s;
}

/** Defaults without the empty strings that mark values the admin still has to enter (e.g. the server). */
function withoutBlanks(x: unknown): unknown {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return x;
  return Object.fromEntries(
    Object.entries(x)
      .filter(([, v]) => v !== "")
      .map(([k, v]) => [k, withoutBlanks(v)]),
  );
}

async function shippedRuleSets() {
  const files = readdirSync(rulesDir).filter((f) => /\.ya?ml$/.test(f));
  const sets: { file: string; adapter: string }[] = [];
  for (const f of files) {
    const r = await loadRuleSetFile(join(rulesDir, f));
    if (!r.ok) throw new Error(`${f} does not load`);
    sets.push({ file: f, adapter: r.ruleSet.adapter });
  }
  return sets;
}

/** Checks every connector module (PBX and Microsoft 365) shares: settings, defaults, secrets. */
function settingsInvariants(m: ConnectorSettingsModule) {
  it("its defaults validate against its config schema (blank values apart)", () => {
    expect(checkInput(m.configSchema, withoutBlanks(m.defaults))).toEqual({ ok: true });
  });
  it("the defaults alone are not enough to start (the admin must configure it)", () => {
    const withEmptySecrets = { ...m.defaults, ...Object.fromEntries(m.secretFields.map((f) => [f, ""])) };
    expect(m.isConfigured(withEmptySecrets)).toBe(false);
  });
  it("declares its secret fields in the schema, and never has defaults for them", () => {
    for (const f of m.secretFields) {
      expect(m.configSchema.properties[f], f).toBeDefined();
      expect(Object.keys(m.defaults)).not.toContain(f);
    }
  });
  it("refuses unknown settings (additionalProperties: false)", () => {
    expect(m.configSchema.additionalProperties).toBe(false);
  });
}

describe("connectors/ catalogue", () => {
  it("registers exactly one module per vendor folder", async () => {
    for (const dir of vendorFolders) {
      const file = join(connectorsDir, dir, "module.ts");
      expect(existsSync(file), `connectors/${dir}/module.ts`).toBe(true);
      const exported = Object.values(await import(file)).filter(looksLikePbxModule);
      expect(exported.length, `connectors/${dir}/module.ts exports a PBX connector module`).toBeGreaterThan(0);
      for (const m of exported) {
        expect(modules, `${m.kind} from connectors/${dir} is in pbxConnectorModules`).toContain(m);
        expect(m.kind, "a module's kind is its folder name").toBe(dir);
      }
    }
    expect(modules.map((m) => m.kind).sort()).toEqual(vendorFolders);
  });

  it("has unique kinds", () => {
    expect(new Set(modules.map((m) => m.kind)).size).toBe(modules.length);
  });

  it("every shipped rule set names a registered module", async () => {
    for (const { file, adapter } of await shippedRuleSets()) {
      expect(
        modules.map((m) => m.kind),
        `${file}: adapter "${adapter}"`,
      ).toContain(adapter);
    }
  });

  it("the rule-set schema offers exactly the registered kinds as `adapter`", () => {
    const schema = JSON.parse(readFileSync(join(rulesDir, "schema.json"), "utf8"));
    expect([...schema.properties.adapter.enum].sort()).toEqual(modules.map((m) => m.kind).sort());
  });
});

for (const m of modules) {
  describe(`PBX module ${m.kind}`, () => {
    it("ships at least one rule set using it", async () => {
      const sets = await shippedRuleSets();
      expect(sets.filter((s) => s.adapter === m.kind).length).toBeGreaterThan(0);
    });

    it("has a simulator folder connectors/<kind>/simulator/", () => {
      expect(existsSync(join(connectorsDir, m.kind, "simulator"))).toBe(true);
    });

    it("has a test folder test/<kind>/", () => {
      expect(existsSync(join(packageRoot, "test", m.kind))).toBe(true);
    });

    settingsInvariants(m);

    it("every form key is in its config schema, once, with a distinct input name", () => {
      const keys = m.form.map((f) => f.key);
      expect(new Set(keys).size).toBe(keys.length);
      const names = keys.map((k) => k.split(".").pop());
      expect(new Set(names).size, "input ids are derived from the last key segment").toBe(names.length);
      for (const f of m.form) expect(schemaAt(m.configSchema, f.key), f.key).toBeDefined();
    });

    it("every secret field is a password field of the form, and every password field a secret", () => {
      for (const s of m.secretFields)
        expect(m.form.find((f) => f.key === s)?.type, `${s} is a password field`).toBe("password");
      for (const f of m.form.filter((x) => x.type === "password"))
        expect(m.secretFields, `${f.key} is a secret`).toContain(f.key);
    });

    it("select options, linked defaults, identity fields and the address template name real settings", () => {
      for (const f of m.form) {
        if (f.type === "select") {
          const allowed = (schemaAt(m.configSchema, f.key) as { enum?: string[] }).enum;
          if (allowed) expect(f.options?.map((o) => o.value).sort(), f.key).toEqual([...allowed].sort());
        }
        if (f.follows) expect(m.form.map((x) => x.key)).toContain(f.follows.key);
      }
      for (const k of m.identityFields) expect(schemaAt(m.configSchema, k), k).toBeDefined();
      const placeholders = [...m.address.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]);
      expect(placeholders.length).toBeGreaterThan(0);
      for (const k of placeholders) expect(schemaAt(m.configSchema, k), k).toBeDefined();
    });

    it("does not declare the hub's own fields (the server composes them)", () => {
      expect(Object.keys(m.configSchema.properties)).not.toContain("defaultDestination");
    });

    it("composed with the hub's fields, its defaults and form still fit the composed schema", () => {
      const composed = installedPbxModules().find((x) => x.module === m);
      if (!composed) throw new Error(`${m.kind} is not installed in the server`);
      expect(checkInput(composed.configSchema, withoutBlanks(composed.defaults))).toEqual({ ok: true });
      for (const f of composed.form) expect(schemaAt(composed.configSchema, f.key), f.key).toBeDefined();
    });
  });
}

describe("Microsoft 365 module", () => {
  settingsInvariants(teamsModule);
});
