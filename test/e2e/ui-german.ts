// Helpers of the German UI tests: which English catalogue texts German says differently, and which of them
// a page still shows (text nodes, placeholders, aria-labels, titles).
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Frame, Page } from "playwright-core";
import { uiDir } from "../../common/paths.js";

type Catalogue = Record<string, string | Record<string, string>>;
const catalogue = async (lang: string) =>
  ((await import(pathToFileURL(join(uiDir, "js", "i18n", `${lang}.js`)).href)) as { default: Catalogue }).default;

/** English texts that German says differently (whole texts without placeholders). */
export async function englishOnly(): Promise<string[]> {
  const [en, de] = [await catalogue("en"), await catalogue("de")];
  const out = new Set<string>();
  for (const [k, v] of Object.entries(en)) {
    const forms = typeof v === "string" ? { _: v } : v;
    const deForms = typeof de[k] === "string" ? { _: de[k] as string } : (de[k] as Record<string, string>);
    for (const [form, text] of Object.entries(forms)) if (!text.includes("{") && text !== deForms[form]) out.add(text);
  }
  // A word both languages use somewhere ("Info" is a German level name too) proves nothing.
  for (const v of Object.values(de)) for (const text of typeof v === "string" ? [v] : Object.values(v)) out.delete(text);
  return [...out];
}

/** Texts of the document (text nodes, placeholders, aria-labels, titles) that are English-only UI texts. */
export async function englishLeft(target: Page | Frame, english: string[]): Promise<string[]> {
  return target.evaluate((en) => {
    const set = new Set(en);
    const found: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = (n.textContent ?? "").trim();
      if (set.has(text)) found.push(text);
    }
    for (const el of document.querySelectorAll("[placeholder], [aria-label], [title]"))
      for (const a of ["placeholder", "aria-label", "title"]) {
        const v = el.getAttribute(a);
        if (v && set.has(v)) found.push(`${a}="${v}"`);
      }
    return found;
  }, english);
}
