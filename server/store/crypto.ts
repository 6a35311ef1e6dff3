// Secrets at rest: AES-256-GCM with a random IV per value and the secret's name as associated data (a
// ciphertext copied to another row does not decrypt). The key comes from PRESENCE_HUB_SECRET_KEY (base64,
// 32 bytes) or from <dataDir>/secret.key, generated once with owner-only permissions.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HubError } from "../../common/errors.js";

export const SECRET_KEY_ENV = "PRESENCE_HUB_SECRET_KEY";
export const SECRET_KEY_FILE = "secret.key";

export interface SealedSecret {
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
}

function decodeKey(text: string, origin: string): Buffer {
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== 32) {
    throw new HubError(
      "CONFIG_INVALID",
      `${origin} must be 32 bytes, base64-encoded (got ${key.length} bytes)`,
    );
  }
  return key;
}

/** Resolves the data key: explicit option → environment → key file (created with mode 0600 if missing). */
export function loadSecretKey(dataDir: string, explicit?: string): Buffer {
  if (explicit) return decodeKey(explicit, "secretKey option");
  const env = process.env[SECRET_KEY_ENV];
  if (env) return decodeKey(env, SECRET_KEY_ENV);
  const file = join(dataDir, SECRET_KEY_FILE);
  if (!existsSync(file)) {
    try {
      // "wx": never overwrite a key another process just created (that would orphan its secrets).
      writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  // Tighten permissions if someone loosened them; a world-readable key defeats encryption at rest.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return decodeKey(readFileSync(file, "utf8"), file);
}

export class SecretBox {
  constructor(private readonly key: Buffer) {}

  seal(name: string, plaintext: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(name, "utf8"));
    const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return { iv, tag: cipher.getAuthTag(), data };
  }

  open(name: string, sealed: SealedSecret): string {
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, sealed.iv);
      decipher.setAAD(Buffer.from(name, "utf8"));
      decipher.setAuthTag(sealed.tag);
      return Buffer.concat([decipher.update(sealed.data), decipher.final()]).toString("utf8");
    } catch (e) {
      throw new HubError(
        "STORE",
        `secret "${name}" cannot be decrypted (wrong ${SECRET_KEY_ENV} or key file?)`,
        {
          cause: e,
        },
      );
    }
  }
}
