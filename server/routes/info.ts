// The Info view of one connector type: a self-contained HTML page (no CDN, no script, everything
// escaped) with the Teams availability × activity matrix coloured by PBX result, the PBX → Teams rules,
// the CFB policy, the embedded tests, revision and load time, and a banner while the file on disk is
// invalid or missing. Every rule, test and the cfb block says which file it came from (the set or a
// fragment it extends, + line); file names are relative to the rules directory, never server paths.
// ?lang=de shows it in German (info-text.ts; the rule set's own i18n.de title/description). Wide tables
// scroll inside their own container, so the page never scrolls sideways (also in the UI's Info dialog).
import { basename, isAbsolute } from "node:path";
import type { FastifyPluginAsync } from "fastify";
import type { Origin } from "../../engine/rules/compose.js";
import { formatDiagnostic } from "../../engine/rules/diagnostics.js";
import { asList, PBX_DOMAIN, type RuleTestDoc, TEAMS_DOMAIN } from "../../engine/rules/document.js";
import type { RuleRegistry, RuleTypeStatus } from "../../engine/rules/registry.js";
import type { CompiledRuleSet } from "../../engine/rules/table.js";
import { INFO_TEXT, type InfoLang, type InfoText, infoLang, timeTag } from "./info-text.js";

export interface InfoRoutesOptions {
  registry: RuleRegistry;
}

export function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Colours follow the five myApps presence levels (presence-sync-products.md §4.2). */
const PBX_CLASS: Record<string, string> = {
  "": "clear",
  away: "away",
  lunch: "away",
  vacation: "away",
  busy: "busy",
  "on-the-phone": "busy",
  meeting: "meeting",
  dnd: "dnd",
};

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d1d1f;background:#fff;overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%;margin:.25rem 0}
@media (max-width:600px){body{margin:.75rem}}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.meta{color:#555}.banner{border:2px solid #b00020;background:#fde7ea;padding:.75rem 1rem;margin:1rem 0;border-radius:4px}
.banner code{white-space:pre-wrap}.ok{border-color:#2e7d32;background:#e8f5e9}
table{border-collapse:collapse;margin:0}th,td{border:1px solid #ccc;padding:2px 5px;text-align:center;overflow-wrap:normal}
th{background:#f4f4f4;font-weight:600}th.row{text-align:left}
table.matrix th.col{writing-mode:vertical-rl;transform:rotate(180deg);text-align:left;vertical-align:bottom;white-space:nowrap;padding:5px 2px}
td.clear{background:#c8e6c9}td.away{background:#fff59d}td.busy{background:#ef9a9a}td.dnd{background:#f48fb1}
td.meeting{background:#ffcc80}td.ensure{font-weight:700}
table.rules td{text-align:left;vertical-align:top}td.from{color:#555;font-size:.9em}.legend span{display:inline-block;padding:0 .5rem;margin-right:.25rem;border:1px solid #ccc}
`;

/** Maps a server file path to what the page shows (relative to the rules directory). */
type Show = (file: string) => string;

/** What every part of the page needs: the texts and times of its language. */
interface Ctx {
  x: InfoText;
  lang: InfoLang;
  time(iso: string | null | undefined): string;
}

const scroll = (table: string) => `<div class="scroll">${table}</div>`;
const fill = (text: string, params: Record<string, string | number>) =>
  text.replace(/\{(\w+)\}/g, (m, k: string) => (params[k] === undefined ? m : String(params[k])));

function banner(
  st: RuleTypeStatus | undefined,
  rs: CompiledRuleSet | undefined,
  show: Show,
  cx: Ctx,
): string {
  if (!st) return "";
  if (st.state === "invalid" && st.lastError) {
    const list = st.errors
      .map((e) => `<li><code>${escapeHtml(formatDiagnostic(e, show))}</code></li>`)
      .join("");
    return `<div class="banner" role="alert"><strong>${cx.x.invalidFile}</strong> ${
      rs ? fill(cx.x.stillServing, { revision: rs.revision, at: cx.time(rs.loadedAt) }) : cx.x.noVersion
    } ${cx.x.since} ${cx.time(st.lastAttemptAt)}:<ul>${list}</ul></div>`;
  }
  if (st.state === "missing") {
    return `<div class="banner" role="alert"><strong>${cx.x.fileDeleted}</strong> (<code>${escapeHtml(
      show(st.file),
    )}</code>). ${fill(cx.x.stillServing, { revision: st.revision, at: cx.time(st.loadedAt) })}</div>`;
  }
  return "";
}

function matrix(rs: CompiledRuleSet, outOfOffice: boolean, cx: Ctx): string {
  const byKey = new Map(
    rs.tables.teamsToPbx
      .filter((c) => c.outOfOffice === outOfOffice)
      .map((c) => [`${c.availability}|${c.activity}`, c.decision]),
  );
  const head = `<tr><th>${escapeHtml(cx.x.availabilityByActivity)}</th>${TEAMS_DOMAIN.activity.map((a) => `<th class="col">${escapeHtml(a)}</th>`).join("")}</tr>`;
  const rows = TEAMS_DOMAIN.availability
    .map((av) => {
      const cells = TEAMS_DOMAIN.activity
        .map((ac) => {
          const d = byKey.get(`${av}|${ac}`);
          if (!d) return "<td></td>";
          const cls = `${PBX_CLASS[d.activity] ?? "busy"}${d.cfb === "ensure" ? " ensure" : ""}`;
          const tip = `rule ${d.rule}; note "${d.note}"; cfb ${d.cfb}`;
          return `<td class="${escapeHtml(cls)}" title="${escapeHtml(tip)}">${escapeHtml(d.activity === "" ? "–" : d.activity)}${d.cfb === "ensure" ? "*" : ""}</td>`;
        })
        .join("");
      return `<tr><th class="row">${escapeHtml(av)}</th>${cells}</tr>`;
    })
    .join("");
  return scroll(`<table class="matrix">${head}${rows}</table>`);
}

function list(v: unknown): string {
  const l = asList(v as string | string[] | undefined);
  return l ? l.map((x) => (x === "" ? '""' : x)).join(", ") : "any";
}

/** "innovaphone-dnd.yaml:14" or "fragment pbx-call (fragments/pbx-call.yaml:8)". */
function from(o: Origin | null | undefined): string {
  if (!o) return "";
  const at = `${o.file}:${o.line}`;
  return o.fragment
    ? `fragment <code>${escapeHtml(o.fragment)}</code> (${escapeHtml(at)})`
    : `<code>${escapeHtml(at)}</code>`;
}

function teamsRules(rs: CompiledRuleSet, cx: Ctx): string {
  const origins = rs.composition?.origins.teamsToPbx ?? [];
  const rows = rs.teamsRules
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.name)}</td><td>${r.priority}</td><td>${escapeHtml(list(r.doc.when.availability))}</td><td>${escapeHtml(
          list(r.doc.when.activity),
        )}</td><td>${escapeHtml(r.doc.when.outOfOffice ?? "any")}</td><td>${escapeHtml(r.doc.then.activity || '"" (clear)')}</td><td>${escapeHtml(
          r.doc.then.note ?? "",
        )}</td><td>${escapeHtml(r.doc.then.cfb ?? "leave")}</td><td class="from">${from(origins[r.index])}</td></tr>`,
    )
    .join("");
  const d = rs.doc.teamsToPbx.default;
  const x = cx.x;
  const th = [
    x.rule,
    x.priority,
    x.availability,
    x.activity,
    x.outOfOffice,
    x.pbxActivity,
    x.note,
    x.cfb,
    x.from,
  ];
  return scroll(
    `<table class="rules"><tr>${th.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>${rows}<tr><td><em>${escapeHtml(
      x.default,
    )}</em></td><td></td><td colspan="3">${escapeHtml(x.anythingUnknown)}</td><td>${escapeHtml(
      d.activity || '"" (clear)',
    )}</td><td>${escapeHtml(d.note ?? "")}</td><td>${escapeHtml(d.cfb ?? "leave")}</td><td class="from"><code>${escapeHtml(
      fileOf(rs),
    )}</code></td></tr></table>`,
  );
}

/** The set's own file name (relative): where the defaults always are. */
function fileOf(rs: CompiledRuleSet): string {
  return basename(rs.file);
}

function pbxRules(rs: CompiledRuleSet, cx: Ctx): string {
  const origins = rs.composition?.origins.pbxToTeams ?? [];
  const rows = rs.pbxRules
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.name)}</td><td>${r.priority}</td><td>${escapeHtml(list(r.doc.when.callState))}</td><td>${escapeHtml(
          list(r.doc.when.activity),
        )}</td><td>${escapeHtml(r.doc.then.presence)}</td><td class="from">${from(origins[r.index])}</td></tr>`,
    )
    .join("");
  const head = `<tr><th>${escapeHtml(cx.x.callStateByActivity)}</th>${PBX_DOMAIN.activity.map((a) => `<th>${escapeHtml(a === "" ? '""' : a)}</th>`).join("")}</tr>`;
  const grid = PBX_DOMAIN.callState
    .map(
      (cs) =>
        `<tr><th class="row">${escapeHtml(cs)}</th>${PBX_DOMAIN.activity
          .map((pa) => {
            const d = rs.tables.pbxToTeams.find((c) => c.callState === cs && c.activity === pa)?.decision;
            const p = d?.presence ? `${d.presence.availability}/${d.presence.activity}` : "clear";
            const cls = !d?.presence
              ? "clear"
              : d.presence.availability === "DoNotDisturb"
                ? "dnd"
                : d.presence.availability === "Away"
                  ? "away"
                  : d.presence.availability === "Busy"
                    ? "busy"
                    : "clear";
            return `<td class="${cls}" title="${escapeHtml(`rule ${d?.rule ?? ""}`)}">${escapeHtml(p)}</td>`;
          })
          .join("")}</tr>`,
    )
    .join("");
  const x = cx.x;
  const th = [x.rule, x.priority, x.callState, x.pbxActivityUser, x.teamsPresence, x.from];
  return `${scroll(
    `<table class="rules"><tr>${th.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>${rows}<tr><td><em>${escapeHtml(
      x.default,
    )}</em></td><td></td><td colspan="2">${escapeHtml(x.anything)}</td><td>${escapeHtml(
      rs.doc.pbxToTeams.default.presence,
    )}</td><td class="from"><code>${escapeHtml(fileOf(rs))}</code></td></tr></table>`,
  )}${scroll(`<table class="matrix">${head}${grid}</table>`)}`;
}

function cfbPolicy(rs: CompiledRuleSet, cx: Ctx): string {
  const words: Record<string, string> = { userCfb: cx.x.userCfb, connectorDefault: cx.x.connectorDefault };
  const chain = rs.cfb.fallback.map((s) => `<li>${escapeHtml(words[s] ?? s)}</li>`).join("");
  return `<p>${cx.x.cfbIntro}</p><ol>${chain}</ol><p>${escapeHtml(rs.cfb.restore ? cx.x.restoreOn : cx.x.restoreOff)}</p><p class="meta">${escapeHtml(
    cx.x.policyFrom,
  )} ${from(rs.composition?.origins.cfb) || `<code>${escapeHtml(fileOf(rs))}</code>`}.</p>`;
}

function testInput(t: RuleTestDoc): string {
  if (t.teams)
    return `Teams ${t.teams.availability} / ${t.teams.activity}${t.teams.outOfOffice ? ", out of office" : ""}`;
  return t.pbx ? `PBX ${t.pbx.callState}${t.pbx.activity ? `, activity ${t.pbx.activity}` : ""}` : "";
}

function tests(rs: CompiledRuleSet, cx: Ctx): string {
  const origins = rs.composition?.origins.tests ?? [];
  const rows = rs.doc.tests
    .map((t, i) => {
      const expect = Object.entries(t.expect)
        .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
        .join(", ");
      return `<tr><td>${escapeHtml(t.name)}</td><td>${escapeHtml(testInput(t))}</td><td>${escapeHtml(expect)}</td><td class="from">${from(origins[i])}</td></tr>`;
    })
    .join("");
  const th = [cx.x.test, cx.x.input, cx.x.expected, cx.x.from];
  return scroll(
    `<table class="rules"><tr>${th.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>${rows}</table>`,
  );
}

/** Which fragments the set extends (resolved, in merge order), each with its description. */
function composition(rs: CompiledRuleSet, cx: Ctx): string {
  const c = rs.composition;
  if (!c?.fragments.length) return "";
  const items = c.fragments
    .map(
      (f) =>
        `<li><code>${escapeHtml(f.name)}</code> (${escapeHtml(f.file)})${f.description ? ` – ${escapeHtml(f.description)}` : ""}</li>`,
    )
    .join("");
  return `<h2>${escapeHtml(cx.x.composedFrom)}</h2><p><code>${escapeHtml(fileOf(rs))}</code> ${escapeHtml(cx.x.extends)} ${c.extend
    .map((n) => `<code>${escapeHtml(n)}</code>`)
    .join(", ")}. ${escapeHtml(cx.x.mergedIn)}</p><ul>${items}</ul>`;
}

export function renderInfoPage(
  st: RuleTypeStatus | undefined,
  rs: CompiledRuleSet | undefined,
  id: string,
  show: Show,
  lang: InfoLang = "en",
): string {
  const x = INFO_TEXT[lang];
  const cx: Ctx = { x, lang, time: (iso) => timeTag(iso, lang, escapeHtml) };
  const tr = (rs?.doc as { i18n?: Record<string, { title?: string; description?: string }> } | undefined)
    ?.i18n?.[lang];
  const rsTitle = tr?.title ?? rs?.title ?? id;
  const title = rs ? `${rsTitle} (${rs.id})` : id;
  const testsLine =
    rs?.doc.tests.length === 1 ? x.testsPassedOne : fill(x.testsPassed, { n: rs?.doc.tests.length ?? 0 });
  const body = rs
    ? `<h1>${escapeHtml(rsTitle)}</h1>
<p class="meta">${escapeHtml(x.connectorType)} <code>${escapeHtml(rs.id)}</code> · ${escapeHtml(x.adapter)} ${escapeHtml(rs.adapter)} · ${escapeHtml(
        x.revision,
      )} ${rs.revision} · ${escapeHtml(x.loaded)} ${cx.time(rs.loadedAt)} · sha256 <code>${escapeHtml(rs.hash.slice(0, 12))}</code></p>
<p>${escapeHtml(tr?.description ?? rs.description)}</p>
${banner(st, rs, show, cx)}
${composition(rs, cx)}
<h2>Teams → PBX</h2>
<p class="legend">${escapeHtml(x.legend)} <span class="clear-l" style="background:#c8e6c9">${escapeHtml(x.legendClear)}</span><span style="background:#fff59d">${escapeHtml(
        x.legendAway,
      )}</span><span style="background:#ffcc80">${escapeHtml(x.legendMeeting)}</span><span style="background:#ef9a9a">${escapeHtml(
        x.legendBusy,
      )}</span><span style="background:#f48fb1">${escapeHtml(x.legendDnd)}</span> ${escapeHtml(x.legendTail)}</p>
<h3>${escapeHtml(x.notOof)}</h3>${matrix(rs, false, cx)}
<h3>${escapeHtml(x.oof)}</h3>${matrix(rs, true, cx)}
<h3>${escapeHtml(x.rulesHead)}</h3>${teamsRules(rs, cx)}
<h2>PBX → Teams</h2>${pbxRules(rs, cx)}
<h2>${escapeHtml(x.cfbHead)}</h2>${cfbPolicy(rs, cx)}
<h2>${escapeHtml(x.testsHead)}</h2><p class="meta">${escapeHtml(testsLine)} <code>${escapeHtml(show(rs.file))}</code></p>${tests(rs, cx)}`
    : `<h1>${escapeHtml(id)}</h1>${banner(st, rs, show, cx) || `<p>${escapeHtml(x.unknownType)}</p>`}`;
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(
    title,
  )} – Presence Hub</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** A file as the page may show it: relative to the rules directory, or only its name (never a server path). */
export function safeDisplayPath(display: string): string {
  return isAbsolute(display) ? basename(display) : display;
}

export const infoRoutes: FastifyPluginAsync<InfoRoutesOptions> = async (app, opts) => {
  const { registry } = opts;
  app.get<{ Params: { id: string }; Querystring: { lang?: string } }>(
    "/info/:id",
    {
      schema: {
        tags: ["connector-types"],
        summary: "Info page (HTML) of one connector type",
        params: { type: "object", properties: { id: { type: "string", maxLength: 64 } }, required: ["id"] },
        querystring: {
          type: "object",
          properties: {
            lang: { type: "string", enum: ["en", "de"], description: "Page language (default en)" },
          },
        },
        response: {
          200: { type: "string", description: "text/html" },
          404: { type: "string", description: "text/html" },
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const st = registry.status(id);
      const rs = registry.get(id);
      reply
        .code(st || rs ? 200 : 404)
        .type("text/html; charset=utf-8")
        // No scripts at all; inline styles only. Set here because the app's CSP skips /info/.
        .header(
          "content-security-policy",
          "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'",
        )
        .header("cache-control", "no-store");
      return renderInfoPage(
        st,
        rs,
        id,
        (file) => safeDisplayPath(registry.displayPath(file)),
        infoLang(request.query.lang),
      );
    },
  );
};
