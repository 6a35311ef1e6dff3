// With PRESENCE_HUB_DATABASE_URL every instance must share the secret key and the admin login: a start
// without them is refused before anything is opened, naming the missing variable (no database needed).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.js";
import { runHub } from "../../server/run-hub.js";

describe("starting on PostgreSQL", () => {
  const dir = mkdtempSync(join(tmpdir(), "ph-pg-start-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const start = (env: Record<string, string>) =>
    runHub(
      loadConfig({
        env: {
          PRESENCE_HUB_DATABASE_URL: "postgres://postgres@127.0.0.1:1/none",
          PRESENCE_HUB_DATA_DIR: dir,
          PRESENCE_HUB_PORT: "0",
          ...env,
        },
      }),
    );

  it("needs the shared secret key", async () => {
    await expect(start({ PRESENCE_HUB_ADMIN_PASSWORD: "a-long-enough-password" })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("PRESENCE_HUB_SECRET_KEY"),
    });
  });

  it("needs the admin password from the environment", async () => {
    await expect(start({ PRESENCE_HUB_SECRET_KEY: Buffer.alloc(32, 1).toString("base64") })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("PRESENCE_HUB_ADMIN_PASSWORD"),
    });
  });
});
