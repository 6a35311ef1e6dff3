// What `presence-hub demo` prints once everything runs: where to log in, the simulators and connectors
// (per tenant with `--tenants 2`), and the commands to try — every one pasteable as printed (real ids and
// ports, no placeholders). The one-customer text is the demo's long-standing story and stays as it is;
// a second customer only adds its own part.
import { DEFAULT_TENANT } from "../store/types.js";
import type { DemoCustomer, DemoHandle } from "./types.js";
import { DEMO_APP, DEMO_SECOND } from "./seed.js";

/** The whole banner the CLI writes to stdout (login, simulators, connectors, instructions, how to stop). */
export function demoBanner(d: DemoHandle): string {
  const hub = d.hub.hub;
  const matched = (tenant: string) => hub.endpoints.list({ tenant, matched: true, limit: 1 }).total;
  const presenceVia = (serviceAccount: boolean) =>
    serviceAccount ? "presence subscriptions via the service account." : "Teams presence polled.";
  const side = (c: Pick<DemoCustomer, "pbx" | "graph" | "connector" | "serviceAccount">, tenant: string) => [
    `  PBX simulator:   ${c.pbx.url}  (control API ${c.pbx.httpUrl}/_sim/…)`,
    `  Graph simulator: ${c.graph.url}  (control API ${c.graph.url}/_emulator/…)`,
    `  Connector "${c.connector.name}": ${c.connector.status.state}; ${matched(tenant)} users matched; ` +
      presenceVia(c.serviceAccount),
  ];
  const second = d.second;
  return [
    "",
    "Presence Hub demo is running.",
    `  Open:     ${d.hub.url}/`,
    `  User:     ${d.hub.credentials.user}`,
    `  Password: ${d.adminPassword}`,
    "",
    ...(second ? [`  Tenant "${hub.tenants.get(DEFAULT_TENANT).name}" (id ${DEFAULT_TENANT}):`] : []),
    ...side(d, DEFAULT_TENANT),
    ...(second ? ["", `  Tenant "${second.name}" (id ${second.tenant}):`, ...side(second, second.tenant)] : []),
    "",
    demoInstructions(d),
    "",
    "Press Ctrl+C to stop (the hub clears what it set, then the simulators stop).",
    "",
  ].join("\n");
}

/**
 * The instructions printed after start: every command pasteable as it is (real ids, no placeholders):
 * a Teams call diverts a PBX call, hanging up rings again, a PBX call shows in Teams.
 */
export function demoInstructions(d: DemoHandle): string {
  const g = d.graph.url;
  const p = d.pbx.httpUrl;
  const json = "-H 'content-type: application/json'";
  const alice = d.teamsIds.alice;
  return [
    "Try it (in a second terminal):",
    "",
    ...(d.second ? [`  The first customer, tenant "${DEMO_SECOND.firstName}" (id ${DEFAULT_TENANT}):`] : []),
    "  1. Alice starts a Teams call (Graph simulator):",
    `     curl -s -X POST ${json} -d '{"availability":"Busy","activity":"InACall"}' ${g}/_emulator/users/${alice}/client`,
    "  2. Someone dials Alice's PBX extension 101 — the PBX diverts the call (to her CFB 199):",
    `     curl -s -X POST ${json} -d '{"ring":false}' ${p}/_sim/users/alice/dial`,
    "  3. Alice hangs up in Teams, and her phone rings again:",
    `     curl -s -X POST ${json} -d '{"availability":"Available","activity":"Available"}' ${g}/_emulator/users/${alice}/client`,
    `     curl -s -X POST ${json} -d '{"ring":false}' ${p}/_sim/users/alice/dial`,
    "",
    "  4. Bob is on a PBX call — Teams shows him as Do Not Disturb; after he hangs up, Available again:",
    `     curl -s -X POST ${json} -d '{"peer":"030123456","answer":true}' ${p}/_sim/users/bob/calls`,
    `     curl -s ${g}/_emulator/users/${d.teamsIds.bob}          # → "presence":{"availability":"DoNotDisturb",…}`,
    `     curl -s -X DELETE ${p}/_sim/users/bob/calls`,
    "",
    "  Watch it live on the Endpoints page; every decision is explained in the user's timeline.",
    "",
    "  Add a connector of your own (PBX Connectors → Add Pbx → Configure) and see Test turn green:",
    `     server 127.0.0.1, port ${d.pbx.port}, protocol ws, App object "${DEMO_APP.name}", password "${DEMO_APP.password}"`,
    ...(d.second ? secondInstructions(d, d.second) : []),
  ].join("\n");
}

/**
 * The second customer's part (`--tenants 2`): the same names on another tenant's PBX and in its Teams,
 * each command next to the one showing that the first customer's side did not change.
 */
function secondInstructions(d: DemoHandle, c: DemoCustomer): string[] {
  const g = d.graph.url;
  const p = d.pbx.httpUrl;
  const g2 = c.graph.url;
  const p2 = c.pbx.httpUrl;
  const json = "-H 'content-type: application/json'";
  const first = DEMO_SECOND.firstName;
  return [
    "",
    `  A second customer, tenant "${c.name}" (id ${c.tenant}): its own PBX, Microsoft 365 and people with the`,
    "  same names and extensions — matched within their own tenant only:",
    `  5. ${c.name}'s Alice starts a Teams call — only ${c.name}'s PBX diverts her (to her CFB 199):`,
    `     curl -s -X POST ${json} -d '{"availability":"Busy","activity":"InACall"}' ${g2}/_emulator/users/${c.teamsIds.alice}/client`,
    `     curl -s -X POST ${json} -d '{"ring":false}' ${p2}/_sim/users/alice/dial`,
    `     curl -s -X POST ${json} -d '{"ring":false}' ${p}/_sim/users/alice/dial          # ${first}'s Alice, same extension: still rings`,
    `  6. ${c.name}'s Bob is on a PBX call — Do Not Disturb in ${c.name}'s Teams; ${first}'s Bob stays Available:`,
    `     curl -s -X POST ${json} -d '{"peer":"030123456","answer":true}' ${p2}/_sim/users/bob/calls`,
    `     curl -s ${g2}/_emulator/users/${c.teamsIds.bob}          # → "presence":{"availability":"DoNotDisturb",…}`,
    `     curl -s ${g}/_emulator/users/${d.teamsIds.bob}          # → "presence":{"availability":"Available",…}`,
    `     curl -s -X DELETE ${p2}/_sim/users/bob/calls`,
    `  7. ${c.name}'s Alice hangs up in Teams:`,
    `     curl -s -X POST ${json} -d '{"availability":"Available","activity":"Available"}' ${g2}/_emulator/users/${c.teamsIds.alice}/client`,
    "",
    `  Each customer's connectors, Microsoft 365, endpoints and events are under its tenant (Tenants page,`,
    `  or the API with ?tenant=${c.tenant} and /api/tenants/${c.tenant}/teams).`,
  ];
}
