// Seed data of `presence-hub demo`: the same people on the simulated PBX and in the simulated tenant,
// chosen to show every case an admin meets: own CFB, no CFB (→ default destination), presence-based
// forwarding off (warning), e-mail case differences (still matched), PBX-only and Teams-only users.
// `--tenants 2` adds a second customer, Fabrikam, whose people share names, e-mail local parts and
// extensions with the first customer's on purpose: each is matched within its own tenant only.
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

/** The second customer of `presence-hub demo --tenants 2`: its own PBX, Microsoft 365 tenant and app. */
export const DEMO_SECOND = {
  tenantId: "fabrikam",
  name: "Fabrikam",
  /** Also the first customer's name once there are two (the default tenant is renamed). */
  firstName: "Contoso",
  domain: "fabrikam.example",
  entraTenantId: "f4b1c2d3-0e5f-4a6b-8c7d-9e0f1a2b3c4d",
  clientId: "fabrikam-presence-app",
  app: { name: "presence-hub", password: "fabrikam-app-password" },
  defaultDestination: "399",
} as const;

export const DEMO_SECOND_PEOPLE: DemoPerson[] = [
  { key: "alice", name: "Alice Adams", h323: "alice", e164: "101", pbx: { cfpr: true, cfb: "199" }, teams: { mail: "alice@fabrikam.example" }, note: "same name, extension and local part as Contoso's Alice" },
  { key: "bob", name: "Bob Brown", h323: "bob", e164: "102", pbx: { cfpr: true, cfb: "100" }, teams: { mail: "bob@fabrikam.example" }, note: "same local part and extension as Contoso's Bob" },
  { key: "carol", name: "Carol Chen", h323: "carol", e164: "103", pbx: { cfpr: true }, teams: { mail: "carol@fabrikam.example" }, note: "no CFB: Fabrikam's default destination 399" },
  { key: "heidi", name: "Heidi Huber", h323: "heidi", e164: "104", pbx: { cfpr: true, cfb: "100" }, teams: { mail: "heidi@fabrikam.example" }, note: "only at Fabrikam" },
];

function email(p: DemoPerson, domain: string): string {
  return p.pbx?.email ?? p.teams?.mail ?? `${p.key}@${domain}`;
}

/** PBX users (plus `extra` generated ones, to see paging on the Endpoints page). */
export function demoPbxUsers(extra = 0, people = DEMO_PEOPLE, domain = DEMO_DOMAIN): SimUserInput[] {
  const users: SimUserInput[] = people.filter((p) => p.pbx).map((p) => ({
    h323: p.h323,
    cn: p.name,
    dn: p.name,
    e164: p.e164,
    emails: [email(p, domain)],
    cfpr: p.pbx!.cfpr,
    cds: p.pbx!.cfb ? [{ type: "cfb" as const, e164: p.pbx!.cfb }] : [],
  }));
  for (let i = 1; i <= extra; i++) {
    const n = String(i).padStart(4, "0");
    users.push({ h323: `user${n}`, cn: `Demo User ${n}`, dn: `Demo User ${n}`, e164: String(2000 + i), emails: [`user${n}@${domain}`], cfpr: true, cds: [{ type: "cfb", e164: "199" }] });
  }
  return users;
}

/** Graph users (everyone signed in to Teams and Available). */
export function demoGraphUsers(extra = 0, people = DEMO_PEOPLE, domain = DEMO_DOMAIN): { upn: string; displayName: string; mail: string; client: { availability: string; activity: string } }[] {
  const available = { availability: "Available", activity: "Available" };
  const users = people.filter((p) => p.teams).map((p) => ({ upn: p.teams!.mail, displayName: p.name, mail: p.teams!.mail, client: available }));
  for (let i = 1; i <= extra; i++) {
    const n = String(i).padStart(4, "0");
    users.push({ upn: `user${n}@${domain}`, displayName: `Demo User ${n}`, mail: `user${n}@${domain}`, client: available });
  }
  return users;
}
