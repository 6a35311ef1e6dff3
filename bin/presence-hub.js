#!/usr/bin/env node
// Launcher: runs the compiled CLI from dist/ (built by `npm run build`, which `npm ci` runs via `prepare`);
// falls back to the TypeScript sources through tsx in a development checkout without a build.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const compiled = join(root, "dist", "server", "cli", "main.js");
let mod;
if (existsSync(compiled) && !process.env.PRESENCE_HUB_FROM_SOURCE) {
  mod = await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  mod = await import(pathToFileURL(join(root, "server", "cli", "main.ts")).href);
}
const code = await mod.main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
