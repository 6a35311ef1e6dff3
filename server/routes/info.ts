// The Info view of one connector type: a self-contained HTML page (no CDN, no script, everything
// escaped) with the Teams availability × activity matrix coloured by PBX result, the PBX → Teams rules,
// the CFB policy, the embedded tests, revision and load time, and a banner while the file on disk is
// invalid or missing. Every rule, test and the cfb block says which file it came from (the set or a
// fragment it extends, + line); file names are relative to the rules directory, never server paths.
import { basename } from "node:path";
import type { FastifyPluginAsync } from "fastify";
import type { Origin } from "../../engine/rules/compose.js";
import { formatDiagnostic } from "../../engine/rules/diagnostics.js";
import { asList, PBX_DOMAIN, type RuleTestDoc, TEAMS_DOMAIN } from "../../engine/rules/document.js";
import type { RuleRegistry, RuleTypeStatus } from "../../engine/rules/registry.js";
import type { CompiledRuleSet } from "../../engine/rules/table.js";

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
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d1d1f;background:#fff}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.meta{color:#555}.banner{border:2px solid #b00020;background:#fde7ea;padding:.75rem 1rem;margin:1rem 0;border-radius:4px}
.banner code{white-space:pre-wrap}.ok{border-color:#2e7d32;background:#e8f5e9}
table{border-collapse:collapse;margin:.25rem 0}th,td{border:1px solid #ccc;padding:2px 5px;text-align:center}
th{background:#f4f4f4;font-weight:600}th.row{text-align:left}
table.matrix th.col{writing-mode:vertical-rl;transform:rotate(180deg);height:9rem;text-align:left}
td.clear{background:#c8e6c9}td.away{background:#fff59d}td.busy{background:#ef9a9a}td.dnd{background:#f48fb1}
td.meeting{background:#ffcc80}td.ensure{font-weight:700}
table.rules td{text-align:left;vertical-align:top}td.from{color:#555;font-size:.9em}.legend span{display:inline-block;padding:0 .5rem;margin-right:.25rem;border:1px solid #ccc}
`;

/** Maps a server file path to what the page shows (relative to the rules directory). */
type Show = (file: string) => string;

function banner(st: RuleTypeStatus | undefined, rs: CompiledRuleSet | undefined, show: Show): string {
  if (!st) return "";
  if (st.state === "invalid" && st.lastError) {
    const list = st.errors
      .map((e) => `<li><code>${escapeHtml(formatDiagnostic(e, show))}</code></li>`)
      .join("");
    return `<div class="banner" role="alert"><strong>The rule file on disk is invalid.</strong> ${
      rs
        ? `Still serving revision ${rs.revision} loaded ${escapeHtml(rs.loadedAt)}.`
        : "No version of this type is active."
    } Since ${escapeHtml(st.lastAttemptAt)}:<ul>${list}</ul></div>`;
  }
  if (st.state === "missing") {
    return `<div class="banner" role="alert"><strong>The rule file was deleted</strong> (<code>${escapeHtml(
      show(st.file),
    )}</code>). Still serving revision ${st.revision} loaded ${escapeHtml(st.loadedAt)}.</div>`;
  }
  return "";
}

function matrix(rs: CompiledRuleSet, outOfOffice: boolean): string {
  const byKey = new Map(
    rs.tables.teamsToPbx
      .filter((c) => c.outOfOffice === outOfOffice)
      .map((c) => [`${c.availability}|${c.activity}`, c.decision]),
  );
  const head = `<tr><th>availability \\ activity</th>${TEAMS_DOMAIN.activity.map((a) => `<th class="col">${escapeHtml(a)}</th>`).join("")}</tr>`;
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
  return `<table class="matrix">${head}${rows}</table>`;
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

function teamsRules(rs: CompiledRuleSet): string {
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
  return `<table class="rules"><tr><th>rule</th><th>priority</th><th>availability</th><th>activity</th><th>out of office</th><th>PBX activity</th><th>note</th><th>CFB</th><th>from</th></tr>${rows}<tr><td><em>default</em></td><td></td><td colspan="3">anything else, and unknown values</td><td>${escapeHtml(
    d.activity || '"" (clear)',
  )}</td><td>${escapeHtml(d.note ?? "")}</td><td>${escapeHtml(d.cfb ?? "leave")}</td><td class="from"><code>${escapeHtml(
    fileOf(rs),
  )}</code></td></tr></table>`;
}

/** The set's own file name (relative): where the defaults always are. */
function fileOf(rs: CompiledRuleSet): string {
  return basename(rs.file);
}

function pbxRules(rs: CompiledRuleSet): string {
  const origins = rs.composition?.origins.pbxToTeams ?? [];
  const rows = rs.pbxRules
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.name)}</td><td>${r.priority}</td><td>${escapeHtml(list(r.doc.when.callState))}</td><td>${escapeHtml(
          list(r.doc.when.activity),
        )}</td><td>${escapeHtml(r.doc.then.presence)}</td><td class="from">${from(origins[r.index])}</td></tr>`,
    )
    .join("");
  const head = `<tr><th>call state \\ PBX activity</th>${PBX_DOMAIN.activity.map((a) => `<th>${escapeHtml(a === "" ? '""' : a)}</th>`).join("")}</tr>`;
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
  return `<table class="rules"><tr><th>rule</th><th>priority</th><th>call state</th><th>PBX activity (set by the user)</th><th>Teams presence</th><th>from</th></tr>${rows}<tr><td><em>default</em></td><td></td><td colspan="2">anything else</td><td>${escapeHtml(
    rs.doc.pbxToTeams.default.presence,
  )}</td><td class="from"><code>${escapeHtml(fileOf(rs))}</code></td></tr></table><table class="matrix">${head}${grid}</table>`;
}

function cfbPolicy(rs: CompiledRuleSet): string {
  const words: Record<string, string> = {
    userCfb: "the user's own CFB destination on the PBX",
    connectorDefault: "the connector's default destination number",
  };
  const chain = rs.cfb.fallback.map((s) => `<li>${escapeHtml(words[s] ?? s)}</li>`).join("");
  return `<p>While a decision says <strong>cfb: ensure</strong> (marked * in the matrix), new PBX calls are diverted to the first destination that exists:</p><ol>${chain}</ol><p>${
    rs.cfb.restore
      ? "A CFB entry the hub added is removed again when the presence is cleared."
      : "CFB entries the hub added stay in place."
  }</p><p class="meta">Policy from ${from(rs.composition?.origins.cfb) || `<code>${escapeHtml(fileOf(rs))}</code>`}.</p>`;
}

function testInput(t: RuleTestDoc): string {
  if (t.teams)
    return `Teams ${t.teams.availability} / ${t.teams.activity}${t.teams.outOfOffice ? ", out of office" : ""}`;
  return t.pbx ? `PBX ${t.pbx.callState}${t.pbx.activity ? `, activity ${t.pbx.activity}` : ""}` : "";
}

function tests(rs: CompiledRuleSet): string {
  const origins = rs.composition?.origins.tests ?? [];
  const rows = rs.doc.tests
    .map((t, i) => {
      const expect = Object.entries(t.expect)
        .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
        .join(", ");
      return `<tr><td>${escapeHtml(t.name)}</td><td>${escapeHtml(testInput(t))}</td><td>${escapeHtml(expect)}</td><td class="from">${from(origins[i])}</td></tr>`;
    })
    .join("");
  return `<table class="rules"><tr><th>test</th><th>input</th><th>expected</th><th>from</th></tr>${rows}</table>`;
}

/** Which fragments the set extends (resolved, in merge order), each with its description. */
function composition(rs: CompiledRuleSet): string {
  const c = rs.composition;
  if (!c?.fragments.length) return "";
  const items = c.fragments
    .map(
      (f) =>
        `<li><code>${escapeHtml(f.name)}</code> (${escapeHtml(f.file)})${f.description ? ` – ${escapeHtml(f.description)}` : ""}</li>`,
    )
    .join("");
  return `<h2>Composed from</h2><p><code>${escapeHtml(fileOf(rs))}</code> extends ${c.extend
    .map((n) => `<code>${escapeHtml(n)}</code>`)
    .join(
      ", ",
    )}. Fragments merged in (their rules and tests first, then the set's own):</p><ul>${items}</ul>`;
}

export function renderInfoPage(
  st: RuleTypeStatus | undefined,
  rs: CompiledRuleSet | undefined,
  id: string,
  show: Show,
): string {
  const title = rs ? `${rs.title} (${rs.id})` : id;
  const body = rs
    ? `<h1>${escapeHtml(rs.title)}</h1>
<p class="meta">Connector type <code>${escapeHtml(rs.id)}</code> · adapter ${escapeHtml(rs.adapter)} · revision ${rs.revision} · loaded ${escapeHtml(
        rs.loadedAt,
      )} · sha256 <code>${escapeHtml(rs.hash.slice(0, 12))}</code></p>
<p>${escapeHtml(rs.description)}</p>
${banner(st, rs, show)}
${composition(rs)}
<h2>Teams → PBX</h2>
<p class="legend">PBX activity per Teams availability (rows) × activity (columns). <span class="clear-l" style="background:#c8e6c9">– clear</span><span style="background:#fff59d">away</span><span style="background:#ffcc80">meeting</span><span style="background:#ef9a9a">busy / on-the-phone</span><span style="background:#f48fb1">dnd</span> * = CFB ensured. Hover a cell for the rule and note.</p>
<h3>Not out of office</h3>${matrix(rs, false)}
<h3>Out of office</h3>${matrix(rs, true)}
<h3>Rules (first match by priority, then file order)</h3>${teamsRules(rs)}
<h2>PBX → Teams</h2>${pbxRules(rs)}
<h2>Call Forward Busy policy</h2>${cfbPolicy(rs)}
<h2>Embedded tests</h2><p class="meta">${rs.doc.tests.length} embedded tests passed at load. Source: <code>${escapeHtml(show(rs.file))}</code></p>${tests(rs)}`
    : `<h1>${escapeHtml(id)}</h1>${banner(st, rs, show) || "<p>Unknown connector type.</p>"}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(
    title,
  )} – Presence Hub</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export const infoRoutes: FastifyPluginAsync<InfoRoutesOptions> = async (app, opts) => {
  const { registry } = opts;
  app.get<{ Params: { id: string } }>(
    "/info/:id",
    {
      schema: {
        tags: ["connector-types"],
        summary: "Info page (HTML) of one connector type",
        params: { type: "object", properties: { id: { type: "string", maxLength: 64 } }, required: ["id"] },
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
      return renderInfoPage(st, rs, id, (file) => registry.displayPath(file));
    },
  );
};
