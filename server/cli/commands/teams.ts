// CLI command `teams`: Microsoft 365 tools. `teams test` runs the connection test against a tenant (or the
// Graph simulator) and exits 0 when the hub could use it; every step is printed in plain words.
import { readFile } from "node:fs/promises";
import { testTeamsConnection } from "../../../connectors/teams/connection-test.js";
import { parseCommandLine } from "../../../common/cli-args.js";
import type { Command } from "../command.js";

const USAGE = `Usage: presence-hub teams test --tenant T --client-id C --client-secret S [--authority URL] [--graph URL] [--ca FILE] [--timeout MS] [--json]

  --tenant         Directory (tenant) id or domain
  --client-id      Application (client) id of the app registration
  --client-secret  Client secret value (or set PRESENCE_HUB_TEAMS_SECRET)
  --authority      Identity platform base URL (default https://login.microsoftonline.com)
  --graph          Microsoft Graph base URL (default https://graph.microsoft.com)
  --ca             PEM file with an extra CA to trust (e.g. the Graph simulator's CA)
  --timeout        Overall bound of the test in ms (default 15000)
  --json           Print the result as JSON

Exit code 0 when Microsoft 365 is usable, 1 when a step failed, 2 on wrong usage.`;

async function runTest(args: string[]): Promise<number> {
  const cli = parseCommandLine(args, {
    usage: USAGE,
    options: {
      tenant: { type: "string" },
      "client-id": { type: "string" },
      "client-secret": { type: "string" },
      authority: { type: "string" },
      graph: { type: "string" },
      ca: { type: "string" },
      timeout: { type: "string" },
      json: { type: "boolean" },
    },
  });
  if (cli.exit !== undefined) return cli.exit;
  const { values } = cli;
  const secret = (values["client-secret"] as string | undefined) ?? process.env.PRESENCE_HUB_TEAMS_SECRET;
  if (!values.tenant || !values["client-id"] || !secret) {
    process.stderr.write(`--tenant, --client-id and --client-secret are required.\n\n${USAGE}\n`);
    return 2;
  }
  let caPem: string | undefined;
  if (values.ca) {
    try {
      caPem = await readFile(String(values.ca), "utf8");
    } catch (e) {
      process.stderr.write(`Cannot read the CA file ${values.ca}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  const result = await testTeamsConnection(
    {
      tenantId: String(values.tenant),
      clientId: String(values["client-id"]),
      clientSecret: secret,
      authority: values.authority as string | undefined,
      graphBaseUrl: values.graph as string | undefined,
      caPem,
    },
    { timeoutMs: values.timeout ? Number(values.timeout) : 15_000 },
  );
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    for (const s of result.steps) {
      const mark = !s.ok ? "FAIL" : s.level === "warn" ? "WARN" : " OK ";
      process.stdout.write(`[${mark}] ${s.step}: ${s.message}\n`);
    }
    process.stdout.write(`${result.summary}\n`);
  }
  return result.ok ? 0 : 1;
}

export const teamsCommand: Command = {
  name: "teams",
  summary:
    "Microsoft 365 tools: teams test --tenant T --client-id C --client-secret S [--authority URL] [--graph URL] [--ca FILE]",
  async run(args: string[]): Promise<number> {
    const [sub, ...rest] = args;
    if (sub === "test") return runTest(rest);
    if (sub === "--help" || sub === "-h" || sub === "help") {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    process.stderr.write(`${USAGE}\n`);
    return 2;
  },
};
