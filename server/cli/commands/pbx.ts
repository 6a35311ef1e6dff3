// CLI command `pbx`: `presence-hub pbx test --server H --port P --protocol ws|wss --username APP --password PW
// [--ca FILE] [--insecure] [--module PBX0] [--timeout MS] [--json]`. Prints the per-step diagnosis of the
// connection test of the innovaphone module (the same one as the UI's Test button); exit 0 when the PBX is
// usable, 1 when a step failed, 2 on bad usage. The flags are innovaphone's settings, so the command picks
// that module from the installed list.
import { readFile } from "node:fs/promises";
import { pbxConnectorModules } from "../../../connectors/index.js";
import { parseCommandLine } from "../../../common/cli-args.js";
import { errorMessage, HubError } from "../../../common/errors.js";
import type { Command } from "../command.js";

const HELP = `Usage: presence-hub pbx test --server H --port P --protocol ws|wss --username APP --password PW
                             [--ca FILE] [--insecure] [--module PBX0] [--timeout MS] [--json]
  Connects to the PBX as the App object, logs in and probes PbxApi, PbxTableUsers, PbxAdminApi and RCC.
  --ca FILE    trust this CA certificate (PEM) for wss
  --insecure   do not verify the PBX's TLS certificate (self-signed certificates)
  Exit code 0 when the PBX is usable, 1 when a step failed (the failing step is named), 2 on bad usage.`;

async function runTest(args: string[]): Promise<number> {
  const cli = parseCommandLine(args, {
    usage: HELP,
    options: {
      server: { type: "string" },
      port: { type: "string" },
      protocol: { type: "string" },
      username: { type: "string" },
      password: { type: "string" },
      ca: { type: "string" },
      insecure: { type: "boolean" },
      module: { type: "string" },
      timeout: { type: "string" },
      json: { type: "boolean" },
    },
  });
  if (cli.exit !== undefined) return cli.exit;
  const { values } = cli;
  const missing = (["server", "port", "username", "password"] as const).filter((k) => !values[k]);
  if (missing.length) {
    process.stderr.write(`Missing ${missing.map((m) => `--${m}`).join(", ")}\n\n${HELP}\n`);
    return 2;
  }
  const protocol = (values.protocol as string | undefined) ?? "ws";
  if (protocol !== "ws" && protocol !== "wss") {
    process.stderr.write("--protocol must be ws or wss\n");
    return 2;
  }
  let ca: string | undefined;
  if (typeof values.ca === "string") {
    try {
      ca = await readFile(values.ca, "utf8");
    } catch (e) {
      process.stderr.write(`Cannot read --ca ${values.ca}: ${errorMessage(e)}\n`);
      return 2;
    }
  }
  const timeoutMs = values.timeout === undefined ? 10_000 : Number(values.timeout);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    process.stderr.write("--timeout must be a positive number of milliseconds\n");
    return 2;
  }
  const module = pbxConnectorModules.find((m) => m.kind === "innovaphone");
  if (!module) throw new HubError("CONFIG_INVALID", "the innovaphone connector module is not installed");
  const config = {
    server: values.server as string,
    port: Number(values.port),
    protocol: protocol as "ws" | "wss",
    username: values.username as string,
    password: values.password as string,
    modulePath: (values.module as string | undefined) ?? "",
    tls: { ...(ca ? { ca } : {}), insecure: values.insecure === true },
  };
  if (values.insecure) process.stderr.write("Warning: TLS certificate verification is off (--insecure)\n");
  const result = await module.test(config, { timeoutMs });
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    for (const s of result.steps) {
      const mark = s.level === "error" ? "FAIL" : s.level === "warn" ? "WARN" : " OK ";
      process.stdout.write(`[${mark}] ${s.step}: ${s.message}\n`);
    }
    process.stdout.write(`${result.summary}\n`);
  }
  if (!result.ok) {
    const failed = result.steps.find((s) => !s.ok);
    process.stderr.write(`PBX not usable: ${failed ? `${failed.step} step failed` : "incomplete test"}\n`);
    return 1;
  }
  return 0;
}

export const pbxCommand: Command = {
  name: "pbx",
  summary: "innovaphone tools: pbx test --server H --port P --protocol ws|wss --username APP --password PW",
  async run(args: string[]): Promise<number> {
    const [sub, ...rest] = args;
    if (sub === "test") return runTest(rest);
    if (!sub || sub === "--help" || sub === "-h" || sub === "help") {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    process.stderr.write(`Unknown pbx subcommand "${sub}"\n\n${HELP}\n`);
    return 2;
  },
};
