// Command-line entry of the Microsoft Graph simulator (`presence-hub sim graph --port P --users FILE [--http]`).
// Prints the URLs, credentials and (HTTPS mode) writes the CA PEM so clients can trust it.
import { writeFile } from "node:fs/promises";
import { parseCommandLine } from "../../../common/cli-args.js";
import { startGraphSimulator } from "./server.js";
import { loadUsersFile } from "./users-file.js";

const USAGE = `Usage: presence-hub sim graph [--port P] [--host H] [--users FILE] [--http] [--ca-out FILE]

  --port     Port to listen on (default 0 = any free port)
  --host     Address to bind (default 127.0.0.1)
  --users    Users file, JSON or YAML (see connectors/teams/simulator/users.example.yaml)
  --http     Serve plain HTTP instead of HTTPS with the simulator's own CA
  --ca-out   Where to write the CA PEM (default ./graph-sim-ca.pem)`;

export async function runGraphSimulatorCli(args: string[]): Promise<number> {
  const cli = parseCommandLine(args, {
    usage: USAGE,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      users: { type: "string" },
      http: { type: "boolean" },
      "ca-out": { type: "string" },
    },
  });
  if (cli.exit !== undefined) return cli.exit;
  const { values } = cli;
  const file = values.users ? await loadUsersFile(String(values.users)) : { users: [] };
  const sim = await startGraphSimulator({
    port: values.port ? Number(values.port) : 0,
    host: values.host as string | undefined,
    http: values.http === true,
    tenantId: file.tenantId,
    clients: file.clients,
    serviceAccounts: file.serviceAccounts,
    users: file.users,
  });
  const lines = [
    `Microsoft Graph simulator listening on ${sim.url}`,
    `  authority / Graph base URL: ${sim.url}`,
    `  tenant: ${sim.tenantId}`,
    `  client id: ${sim.clientId}   client secret: ${sim.clientSecret}`,
    `  service accounts: ${sim.serviceAccounts.map((a) => a.upn).join(", ") || "(none)"}`,
    `  users: ${sim.users().length}`,
    `  control API: ${sim.url}/_emulator/state`,
  ];
  if (sim.caPem) {
    const caOut = String(values["ca-out"] ?? "graph-sim-ca.pem");
    await writeFile(caOut, sim.caPem);
    lines.push(`  CA certificate written to ${caOut} (also at ${sim.url}/_emulator/ca.pem)`);
    lines.push(
      `  try: presence-hub teams test --tenant ${sim.tenantId} --client-id ${sim.clientId} --client-secret ${sim.clientSecret} --authority ${sim.url} --graph ${sim.url} --ca ${caOut}`,
    );
  } else {
    lines.push(
      `  try: presence-hub teams test --tenant ${sim.tenantId} --client-id ${sim.clientId} --client-secret ${sim.clientSecret} --authority ${sim.url} --graph ${sim.url}`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  const shutdown = () => {
    void sim.close().then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
  return -1;
}
