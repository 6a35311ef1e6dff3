// Seed data of `presence-hub demo`: the same people on the simulated PBX and in the simulated tenant,
// chosen to show every case an admin meets: own CFB, no CFB (→ default destination), presence-based
// forwarding off (warning), e-mail case differences (still matched), PBX-only and Teams-only users.
import type { SimUserInput } from "../../connectors/innovaphone/simulator/types.js";

export const DEMO_DOMAIN = "contoso.example";
export const DEMO_APP = { name: "presence-hub", password: "demo-app-password" } as const;
export const DEMO_DEFAULT_DESTINATION = "299";

export interface DemoPerson {
  key: string;
  name: string;
  h323: string;
  e164: string;
  /** PBX side; absent = Teams-only user. */
  pbx?: { cfpr: boolean; cfb?: string; email?: string };
  /** Teams side; absent = PBX-only user. */
  teams?: { mail: string };
  note: string;
}

export const DEMO_PEOPLE: DemoPerson[] = [
  { key: "alice", name: "Alice Adams", h323: "alice", e164: "101", pbx: { cfpr: true, cfb: "199" }, teams: { mail: "alice@contoso.example" }, note: "own CFB to voicemail 199" },
  { key: "bob", name: "Bob Berger", h323: "bob", e164: "102", pbx: { cfpr: true, cfb: "100" }, teams: { mail: "bob@contoso.example" }, note: "own CFB to reception 100" },
  { key: "carol", name: "Carol Chen", h323: "carol", e164: "103", pbx: { cfpr: true }, teams: { mail: "carol@contoso.example" }, note: "no CFB: the connector's default destination 299 is used" },
  { key: "dave", name: "Dave Diaz", h323: "dave", e164: "104", pbx: { cfpr: false, cfb: "100" }, teams: { mail: "dave@contoso.example" }, note: "Call forward based on Presence off (warning)" },
  { key: "erin", name: "Erin Evans", h323: "erin", e164: "105", pbx: { cfpr: true, cfb: "199", email: "Erin.Evans@Contoso.example" }, teams: { mail: "erin.evans@contoso.example" }, note: "e-mail differs in case, still matched" },
  { key: "frank", name: "Frank Fischer", h323: "frank", e164: "106", pbx: { cfpr: true, cfb: "100" }, note: "PBX only: no Teams user" },
  { key: "grace", name: "Grace Gómez", h323: "", e164: "", teams: { mail: "grace@contoso.example" }, note: "Teams only: no PBX user" },
];

function email(p: DemoPerson): string {
  return p.pbx?.email ?? p.teams?.mail ?? `${p.key}@${DEMO_DOMAIN}`;
}

/** PBX users (plus `extra` generated ones, to see paging on the Endpoints page). */
export function demoPbxUsers(extra = 0): SimUserInput[] {
  const users: SimUserInput[] = DEMO_PEOPLE.filter((p) => p.pbx).map((p) => ({
    h323: p.h323,
    cn: p.name,
    dn: p.name,
    e164: p.e164,
    emails: [email(p)],
    cfpr: p.pbx!.cfpr,
    cds: p.pbx!.cfb ? [{ type: "cfb" as const, e164: p.pbx!.cfb }] : [],
  }));
  for (let i = 1; i <= extra; i++) {
    const n = String(i).padStart(4, "0");
    users.push({ h323: `user${n}`, cn: `Demo User ${n}`, dn: `Demo User ${n}`, e164: String(2000 + i), emails: [`user${n}@${DEMO_DOMAIN}`], cfpr: true, cds: [{ type: "cfb", e164: "199" }] });
  }
  return users;
}

/** Graph users (everyone signed in to Teams and Available). */
export function demoGraphUsers(extra = 0): { upn: string; displayName: string; mail: string; client: { availability: string; activity: string } }[] {
  const available = { availability: "Available", activity: "Available" };
  const users = DEMO_PEOPLE.filter((p) => p.teams).map((p) => ({ upn: p.teams!.mail, displayName: p.name, mail: p.teams!.mail, client: available }));
  for (let i = 1; i <= extra; i++) {
    const n = String(i).padStart(4, "0");
    users.push({ upn: `user${n}@${DEMO_DOMAIN}`, displayName: `Demo User ${n}`, mail: `user${n}@${DEMO_DOMAIN}`, client: available });
  }
  return users;
}
