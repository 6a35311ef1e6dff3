// The repository's docs and code comments stay inside the repository: no pointer to a sibling checkout
// (`../shared/…`) or to an absolute path of a developer machine, every relative Markdown link resolves to
// a file of the repository, and every section a comment cites ("msgraph-presence.md §3.8") exists as a
// heading of docs/reference/<name>.md (or of docs/<name>.md for the user docs). Plain fs reads, no imports
// from the hub.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// This file names the forbidden patterns itself.
const self = "test/docs.test.ts";
const skipDirs = new Set(["node_modules", ".git", "dist", "data", "coverage", "test-results"]);
const textExt = /\.(ts|js|mjs|cjs|md|ya?ml|json|html|css)$/;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (skipDirs.has(name)) continue;
    const full = join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) walk(full, out);
    else if (textExt.test(name) && name !== "package-lock.json") out.push(full);
  }
  return out;
}

const files = walk(root)
  .map((full) => ({ rel: relative(root, full).split(sep).join("/"), text: readFileSync(full, "utf8") }))
  .filter((f) => f.rel !== self);

/** 1-based line of a character offset, for readable failures. */
const lineOf = (text: string, index: number) => text.slice(0, index).split("\n").length;

// The reference documents the code cites by name and section.
const referenceDocs = ["innovaphone-appwebsocket.md", "msgraph-presence.md", "presence-sync-products.md"];

/** Section numbers of a Markdown file: "## 3. PbxApi" → "3", "### 3.2 `presence`" → "3.2". */
function sectionsOf(path: string): Set<string> {
  const sections = new Set<string>();
  if (!existsSync(path)) return sections;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^#{2,5}\s+(\d+(?:\.\d+)*)\.?(?:\s|$)/.exec(line);
    if (m) sections.add(m[1]!);
  }
  return sections;
}

/** The document a `name.md` citation means, or undefined when it is none of ours. */
function citedDoc(name: string): string | undefined {
  const base = name.split("/").pop()!;
  if (referenceDocs.includes(base)) return `docs/reference/${base}`;
  if (/^(docs\/)?[\w-]+\.md$/.test(name) && existsSync(join(root, "docs", base))) return `docs/${base}`;
  return undefined;
}

const num = String.raw`\d+(?:\.\d+)*`;
// "msgraph-presence.md §3.1, §3.2, §8.4", "[rules.md](rules.md) §4", "§3.8 / §8.5", "architecture §4.4,
// §4.5": an optional Markdown link or word right before the first §, then the list.
const citation = new RegExp(
  String.raw`(?:(?:\[[^\]\n]*\]\(([^)\s]+)\)|([\w./-]+))\s*)?§\s?(${num})((?:\s*(?:,|/|and)\s*§\s?${num})*)`,
  "g",
);

// Design documents cited by bare name ("architecture §4.5", "anchors §0.7"): not the reference documents.
const otherDocs = new Set(["architecture", "anchors"]);

interface Cite {
  file: string;
  line: number;
  doc: string;
  section: string;
}

/**
 * Every section citation that names one of our documents: "X.md §N" for a reference document or a file in
 * docs/, and "[text](path.md) §N" for a linked file. A bare "§N" (no name in front) means the document
 * itself inside docs/reference/, and elsewhere the reference document its file names, if it names exactly
 * one. Citations after another name ("architecture §4.4", "anchors.md §0.7") are left alone.
 */
function citations(): Cite[] {
  const out: Cite[] = [];
  for (const f of files) {
    const named = referenceDocs.filter((d) => f.text.includes(d));
    // Inside a reference document a bare § is one of its own sections.
    const own = f.rel.startsWith("docs/reference/") ? f.rel : undefined;
    for (const m of f.text.matchAll(citation)) {
      const link = m[1];
      const prefix = m[2] ?? "";
      let doc: string | undefined;
      if (link?.endsWith(".md")) {
        const target = relative(root, resolve(root, dirname(f.rel), link.split("#")[0]!))
          .split(sep)
          .join("/");
        doc = existsSync(join(root, target)) ? target : undefined;
      } else if (prefix.endsWith(".md")) doc = citedDoc(prefix);
      else if (otherDocs.has(prefix)) doc = undefined;
      else if (own) doc = own;
      else if (named.length === 1) doc = `docs/reference/${named[0]}`;
      if (!doc) continue;
      const sections = [
        m[3]!,
        ...[...(m[4] ?? "").matchAll(new RegExp(`§\\s?(${num})`, "g"))].map((x) => x[1]!),
      ];
      for (const section of sections) out.push({ file: f.rel, line: lineOf(f.text, m.index!), doc, section });
    }
  }
  return out;
}

describe("docs stay inside the repository", () => {
  it("no pointer to ../shared or to absolute /work/ paths", () => {
    const outside = [
      /(?:\.\.\/)+shared\b/g,
      /\bshared\/(?:reference|design)\b/g,
      /(?<![\w.])\/work\//g,
      // the design notes outside the repository, cited by name ("architecture §4.4", "anchors.md §0.7")
      /\b(?:architecture|anchors)(?:\.md)? §/g,
    ];
    const hits: string[] = [];
    for (const f of files) {
      for (const re of outside) {
        for (const m of f.text.matchAll(re)) hits.push(`${f.rel}:${lineOf(f.text, m.index!)}: ${m[0]}`);
      }
    }
    expect(hits).toEqual([]);
  });

  it("relative Markdown links resolve to files of the repository", () => {
    const broken: string[] = [];
    for (const f of files.filter((x) => x.rel.endsWith(".md"))) {
      for (const m of f.text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split("#")[0]!;
        if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // anchor only, or a URL
        const abs = resolve(root, dirname(f.rel), target);
        const inside = abs === root || abs.startsWith(root + sep);
        if (!inside || !existsSync(abs)) broken.push(`${f.rel}:${lineOf(f.text, m.index!)}: ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("the reference documents exist and start with a note on what they are", () => {
    for (const doc of referenceDocs) {
      const path = join(root, "docs", "reference", doc);
      expect(existsSync(path), `docs/reference/${doc}`).toBe(true);
      const head = readFileSync(path, "utf8").slice(0, 1500);
      expect(head, doc).toMatch(/cite|cited/i);
    }
  });

  it("every cited section exists as a heading of the cited document", () => {
    const all = citations();
    // Guard against a regex that silently stops matching: the code cites dozens of sections.
    expect(all.filter((c) => c.doc.startsWith("docs/reference/")).length).toBeGreaterThan(40);
    const cache = new Map<string, Set<string>>();
    const missing: string[] = [];
    for (const c of all) {
      const sections = cache.get(c.doc) ?? sectionsOf(join(root, c.doc));
      cache.set(c.doc, sections);
      if (!sections.has(c.section)) missing.push(`${c.file}:${c.line}: ${c.doc} §${c.section}`);
    }
    expect(missing).toEqual([]);
  });
});
