// Command-line entry of the PBX simulator: `presence-hub sim pbx --port P --users FILE --app NAME
// --password PW [--no-admin] [--tls] [--module PBX0]`. Runs until killed; prints the URLs and the control API.
import { parseCommandLine } from "../../../common/cli-args.js";
import { startPbxSimulator } from "./server.js";
import type { SimAppObject } from "./types.js";
import { loadUsersFile } from "./users-file.js";

const HELP = `Usage: presence-hub sim pbx [--port P] [--users FILE] [--app NAME] [--password PW] [--no-admin] [--tls] [--module PBX0]
  --port      TCP port on 127.0.0.1 (default 0 = pick a free one)
  --users     users file, JSON or YAML (see connectors/innovaphone/simulator/example-users.yaml)
  --app       App object name the hub logs in as (default presence-hub)
  --password  App object password (default secret)
  --no-admin  App object without the Admin (PbxAdminApi) checkmark
  --tls       serve wss:// with a generated self-signed certificate
  --module    PBX module in the WebSocket path /<module>/APPS/websocket (default PBX0)
Control API (HTTP, same port): GET /_sim/users, POST /_sim/users/<user>/presence {activity,note},
  POST /_sim/users/<user>/calls {peer,answer}, DELETE /_sim/users/<user>/calls (hang up),
  POST /_sim/calls/<id>/answer|hold|retrieve|end, POST /_sim/users/<user>/dial,
  POST /_sim/drop, POST /_sim/faults {refuseLogins,ignoreChallenge,delayMs,dropReplies,omitSrc}, GET /_sim/log, POST /_sim/reset`;

export async function runPbxSimulatorCli(args: string[]): Promise<number> {
  const cli = parseCommandLine(args, {
    usage: HELP,
    options: {
      port: { type: "string" },
      users: { type: "string" },
      app: { type: "string" },
      password: { type: "string" },
      module: { type: "string" },
      tls: { type: "boolean" },
      "no-admin": { type: "boolean" },
    },
  });
  if (cli.exit !== undefined) return cli.exit;
  const { values } = cli;
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write("--port must be a number between 0 and 65535\n");
    return 2;
  }
  const file = typeof values.users === "string" ? await loadUsersFile(values.users) : { users: [] };
  let apps: SimAppObject[] = file.apps ?? [];
  if (values.app || values.password || !apps.length) {
    const name = (values.app as string | undefined) ?? apps[0]?.name ?? "presence-hub";
    const password =
      (values.password as string | undefined) ?? apps.find((a) => a.name === name)?.password ?? "secret";
    apps = [{ name, password }, ...apps.filter((a) => a.name !== name)];
  }
  if (values["no-admin"]) apps = apps.map((a) => ({ ...a, apis: ["PbxApi", "PbxTableUsers", "RCC"] }));
  const sim = await startPbxSimulator({
    port,
    users: file.users,
    apps,
    tls: values.tls === true,
    modulePath: values.module as string | undefined,
  });
  process.stdout.write(
    `PBX simulator: ${sim.url} (App object "${apps[0].name}", ${sim.model.users.size} users)\n` +
      `Control API:   ${sim.httpUrl}/_sim/users\n` +
      (sim.certPem
        ? `TLS:           self-signed certificate; fetch it as CA with: curl -k ${sim.httpUrl}/_sim/cert > sim-ca.pem\n`
        : ""),
  );
  const stop = () => {
    // No process.exit: closing the server lets the event loop end on its own (and keeps embedders alive).
    void sim.close();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return -1;
}
