#!/usr/bin/env node
// Launcher. In a checkout with dev dependencies it runs the TypeScript sources through tsx, so what runs is
// always what is on disk; in a production install (`npm ci --omit=dev`, no tsx) it runs the compiled dist/
// (built by `npm run build`, which `npm ci` runs via `prepare`). PRESENCE_HUB_FROM_DIST=1 forces dist/.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sources = join(root, "server", "cli", "main.ts");
const compiled = join(root, "dist", "server", "cli", "main.js");

async function loadMain() {
  if (!process.env.PRESENCE_HUB_FROM_DIST && existsSync(sources)) {
    try {
      const { register } = await import("tsx/esm/api");
      register();
      return await import(pathToFileURL(sources).href);
    } catch (e) {
      if (e?.code !== "ERR_MODULE_NOT_FOUND" || !String(e.message).includes("tsx")) throw e;
    }
  }
  if (!existsSync(compiled)) {
    process.stderr.write("presence-hub: dist/ is missing; run `npm run build` first\n");
    process.exit(1);
  }
  return import(pathToFileURL(compiled).href);
}

const { main } = await loadMain();
const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
