// The fixed texts of the Info page (/info/:id?lang=de) in English and German, and how it shows times:
// a <time datetime> element with the date in the page's language (the admin UI rewrites it to the
// browser's local time when it shows the page in its Info dialog). Values are escaped by the caller.
export type InfoLang = "en" | "de";

const en = {
  connectorType: "Connector type",
  adapter: "adapter",
  revision: "revision",
  loaded: "loaded",
  composedFrom: "Composed from",
  extends: "extends",
  mergedIn: "Fragments merged in (their rules and tests first, then the set's own):",
  notOof: "Not out of office",
  oof: "Out of office",
  legend: "PBX activity per Teams availability (rows) × activity (columns).",
  legendClear: "– clear",
  legendAway: "away",
  legendMeeting: "meeting",
  legendBusy: "busy / on-the-phone",
  legendDnd: "dnd",
  legendTail: "* = CFB ensured. Hover a cell for the rule and note.",
  rulesHead: "Rules (first match by priority, then file order)",
  cfbHead: "Call Forward Busy policy",
  testsHead: "Embedded tests",
  testsPassed: "{n} embedded tests passed at load. Source:",
  testsPassedOne: "1 embedded test passed at load. Source:",
  availabilityByActivity: "availability \\ activity",
  callStateByActivity: "call state \\ PBX activity",
  rule: "rule",
  priority: "priority",
  availability: "availability",
  activity: "activity",
  outOfOffice: "out of office",
  pbxActivity: "PBX activity",
  pbxActivityUser: "PBX activity (set by the user)",
  note: "note",
  cfb: "CFB",
  from: "from",
  callState: "call state",
  teamsPresence: "Teams presence",
  test: "test",
  input: "input",
  expected: "expected",
  default: "default",
  anythingUnknown: "anything else, and unknown values",
  anything: "anything else",
  cfbIntro:
    "While a decision says <strong>cfb: ensure</strong> (marked * in the matrix), new PBX calls are diverted to the first destination that exists:",
  userCfb: "the user's own CFB destination on the PBX",
  connectorDefault: "the connector's default destination number",
  restoreOn: "A CFB entry the hub added is removed again when the presence is cleared.",
  restoreOff: "CFB entries the hub added stay in place.",
  policyFrom: "Policy from",
  unknownType: "Unknown connector type.",
  invalidFile: "The rule file on disk is invalid.",
  stillServing: "Still serving revision {revision} loaded {at}.",
  noVersion: "No version of this type is active.",
  since: "Since",
  fileDeleted: "The rule file was deleted",
};

const de: typeof en = {
  connectorType: "Verbindungstyp",
  adapter: "Adapter",
  revision: "Revision",
  loaded: "geladen",
  composedFrom: "Zusammengesetzt aus",
  extends: "erweitert",
  mergedIn: "Eingebundene Bausteine (erst ihre Regeln und Tests, dann die eigenen):",
  notOof: "Nicht außer Haus",
  oof: "Außer Haus",
  legend: "PBX-Aktivität je Teams-Verfügbarkeit (Zeilen) × Aktivität (Spalten).",
  legendClear: "– frei",
  legendAway: "abwesend",
  legendMeeting: "Besprechung",
  legendBusy: "beschäftigt / am Telefon",
  legendDnd: "nicht stören",
  legendTail:
    "* = Rufumleitung bei besetzt sichergestellt. Für Regel und Notiz mit der Maus auf eine Zelle zeigen.",
  rulesHead: "Regeln (erster Treffer nach Priorität, dann Reihenfolge in der Datei)",
  cfbHead: "Rufumleitung bei besetzt (CFB)",
  testsHead: "Eingebettete Tests",
  testsPassed: "{n} eingebettete Tests beim Laden bestanden. Quelle:",
  testsPassedOne: "1 eingebetteter Test beim Laden bestanden. Quelle:",
  availabilityByActivity: "Verfügbarkeit \\ Aktivität",
  callStateByActivity: "Gesprächszustand \\ PBX-Aktivität",
  rule: "Regel",
  priority: "Priorität",
  availability: "Verfügbarkeit",
  activity: "Aktivität",
  outOfOffice: "außer Haus",
  pbxActivity: "PBX-Aktivität",
  pbxActivityUser: "PBX-Aktivität (vom Benutzer gesetzt)",
  note: "Notiz",
  cfb: "CFB",
  from: "aus",
  callState: "Gesprächszustand",
  teamsPresence: "Teams-Präsenz",
  test: "Test",
  input: "Eingabe",
  expected: "erwartet",
  default: "Vorgabe",
  anythingUnknown: "alles andere und unbekannte Werte",
  anything: "alles andere",
  cfbIntro:
    "Solange eine Entscheidung <strong>cfb: ensure</strong> lautet (in der Matrix mit * markiert), werden neue PBX-Anrufe zum ersten vorhandenen Ziel umgeleitet:",
  userCfb: "das eigene Besetzt-Ziel (CFB) des Benutzers auf der PBX",
  connectorDefault: "das Standard-Umleitungsziel der Verbindung",
  restoreOn:
    "Einen CFB-Eintrag, den der Hub hinzugefügt hat, entfernt er wieder, sobald die Präsenz zurückgesetzt wird.",
  restoreOff: "CFB-Einträge, die der Hub hinzugefügt hat, bleiben bestehen.",
  policyFrom: "Regel aus",
  unknownType: "Unbekannter Verbindungstyp.",
  invalidFile: "Die Regeldatei auf dem Datenträger ist ungültig.",
  stillServing: "Weiter aktiv: Revision {revision}, geladen {at}.",
  noVersion: "Keine Version dieses Typs ist aktiv.",
  since: "Seit",
  fileDeleted: "Die Regeldatei wurde gelöscht",
};

export type InfoText = typeof en;
export const INFO_TEXT: Record<InfoLang, InfoText> = { en, de };

export function infoLang(value: unknown): InfoLang {
  return value === "de" ? "de" : "en";
}

/** ISO time → "<time datetime=…>5 Dec 2026, 15:27:59 UTC</time>" (server time zone, named). */
export function timeTag(iso: string | null | undefined, lang: InfoLang, esc: (v: unknown) => string): string {
  if (!iso) return "";
  const d = new Date(iso);
  const text = Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(lang === "de" ? "de-DE" : "en-GB", { dateStyle: "medium", timeStyle: "long" });
  return `<time datetime="${esc(iso)}">${esc(text)}</time>`;
}
