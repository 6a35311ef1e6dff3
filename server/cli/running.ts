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

/**
 * SIGINT/SIGTERM → close once (bounded) and print a final line. A repeated signal within a few seconds is the
 * same stop (started through `npx`/`npm`, Ctrl+C reaches the hub and npm, which forwards it again); a signal
 * after that exits at once.
 */
export function closeOnSignals(
  close: () => Promise<void>,
  opts: { timeoutMs?: number; done?: string; stopping?: string } = {},
): void {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  let closingSince = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closingSince) {
      if (Date.now() - closingSince < FORWARDED_SIGNAL_MS) return;
      process.stderr.write(`${signal} again: exiting without finishing the undo\n`);
      process.exit(1);
    }
    closingSince = Date.now();
    const what = opts.stopping ?? "undoing what the hub set";
    process.stderr.write(`\n${signal}: stopping (${what}, at most ${timeoutMs / 1000} s)…\n`);
    const timer = setTimeout(() => {
      process.stderr.write("shutdown timed out\n");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    close().then(
      () => {
        process.stdout.write(`${opts.done ?? "Presence Hub stopped."}\n`);
        process.exit(0);
      },
      (e) => {
        process.stderr.write(`shutdown failed: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

/** How long a repeated SIGINT/SIGTERM counts as the forwarded copy of the first. */
const FORWARDED_SIGNAL_MS = 3000;

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
