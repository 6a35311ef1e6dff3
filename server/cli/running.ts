// What `presence-hub start` and `presence-hub demo` do around a running hub: print the login lines of the
// startup banner, reload the rule sets on SIGHUP (Alertmanager style), and stop gracefully on
// SIGINT/SIGTERM (bounded; a second signal exits at once).
import { CREDENTIALS_FILE } from "../auth/credentials.js";
import { errorMessage } from "../../common/errors.js";
import { logger } from "../../common/log.js";
import type { RuleRegistry } from "../../engine/rules/registry.js";
import type { RunningHub } from "../run-hub.js";

/** The login lines of the startup banner (the generated password is printed here exactly once). */
export function loginBanner(r: RunningHub): string {
  const c = r.credentials;
  const lines = [`  Open:     ${r.url}/`, `  User:     ${c.user}`];
  if (c.generatedPassword) {
    lines.push(
      `  Password: ${c.generatedPassword}`,
      `            (generated on first run and shown only now; its hash is in ${r.config.dataDir}/${CREDENTIALS_FILE};`,
      "             set PRESENCE_HUB_ADMIN_PASSWORD to choose your own)",
    );
  } else if (c.source === "data-dir") {
    lines.push(`  Password: the one shown on first run (hash in ${r.config.dataDir}/${CREDENTIALS_FILE})`);
  } else {
    lines.push("  Password: from PRESENCE_HUB_ADMIN_PASSWORD / PRESENCE_HUB_ADMIN_PASSWORD_HASH");
  }
  if (r.config.apiToken) lines.push("  API:      Authorization: Bearer $PRESENCE_HUB_API_TOKEN");
  return lines.join("\n");
}

/** SIGINT/SIGTERM → close once (bounded); a second signal exits at once. */
export function closeOnSignals(close: () => Promise<void>, timeoutMs = 15_000): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    process.stderr.write(`\n${signal}: stopping (undoing what the hub set, at most ${timeoutMs / 1000} s)…\n`);
    const timer = setTimeout(() => {
      process.stderr.write("shutdown timed out\n");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    close().then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`shutdown failed: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

/** SIGHUP → re-read every rule set and fragment now (each keeps its last good revision on error). */
export function reloadOnSighup(registry: RuleRegistry): void {
  const log = logger("rules");
  process.on("SIGHUP", () => {
    registry.reloadAll().then(
      (results) => {
        const failed = results.filter((r) => !r.ok);
        const summary = { ok: results.length - failed.length, failed: failed.map((r) => r.id) };
        if (failed.length) log.warn(summary, "SIGHUP: rule sets reloaded, some invalid (last good revision kept)");
        else log.info(summary, "SIGHUP: rule sets reloaded");
      },
      (e) => log.error({ err: errorMessage(e) }, "SIGHUP: rule set reload failed"),
    );
  });
}
