// Decryption of rich-notification items on worker threads, one per core (msgraph-presence.md §3.8): the
// RSA-OAEP step of every item is most of a Teams change's CPU, and with WebCrypto only that step left the
// event loop while the HMAC check, AES and JSON parse of each item and the completion of every WebCrypto
// job stayed on it. Here the whole item is opened in a worker; the event loop sends the item and receives
// the presence object. One pool per process, shared by every keyring (keys are registered per keyring
// under its own prefix). Private keys are sent to the workers once and never logged.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { HubError } from "../../common/errors.js";
import { logger } from "../../common/log.js";

/** What a worker is asked to open (the fields of encryptedContent it needs). */
export interface DecryptJob {
  keyId: string;
  dataKey: string;
  data: string;
  dataSignature: string;
}

type Reply = { id: number; value?: unknown; error?: string; message?: string };

// Plain JavaScript evaluated in each worker: no loader is needed there, the same in a checkout (tsx) and in
// an installed build (dist/). Errors are reported by kind; the event loop turns them into HubErrors.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createPrivateKey, privateDecrypt, createHmac, createDecipheriv, timingSafeEqual, constants } = require("node:crypto");
const keys = new Map();
parentPort.on("message", (m) => {
  if (m.op === "key") { keys.set(m.keyId, createPrivateKey(m.pem)); return; }
  if (m.op === "drop") { keys.delete(m.keyId); return; }
  const key = keys.get(m.keyId);
  if (!key) { parentPort.postMessage({ id: m.id, error: "key" }); return; }
  let sym;
  try {
    sym = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, Buffer.from(m.dataKey, "base64"));
  } catch (e) { parentPort.postMessage({ id: m.id, error: "dataKey", message: String(e && e.message) }); return; }
  const data = Buffer.from(m.data, "base64");
  const expected = createHmac("sha256", sym).update(data).digest();
  const given = Buffer.from(m.dataSignature, "base64");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) { parentPort.postMessage({ id: m.id, error: "signature" }); return; }
  try {
    const d = createDecipheriv("aes-256-cbc", sym, sym.subarray(0, 16));
    const plain = Buffer.concat([d.update(data), d.final()]).toString("utf8");
    parentPort.postMessage({ id: m.id, value: JSON.parse(plain) });
  } catch (e) { parentPort.postMessage({ id: m.id, error: "data", message: String(e && e.message) }); }
});
`;

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
}

export class DecryptPool {
  private readonly slots: Slot[] = [];
  /** Key material by key id, so a replaced worker gets every key again. */
  private readonly keys = new Map<string, string>();
  private next = 1;
  private readonly log = logger("teams");

  constructor(private readonly size = availableParallelism()) {}

  /** Make a private key (PKCS#8 PEM) usable under `keyId` in every worker. */
  addKey(keyId: string, pem: string): void {
    this.keys.set(keyId, pem);
    for (const s of this.slots) s.worker.postMessage({ op: "key", keyId, pem });
    // Start the workers now, not with the first notification (a worker takes tens of ms to start).
    this.fill();
  }

  dropKey(keyId: string): void {
    if (!this.keys.delete(keyId)) return;
    for (const s of this.slots) s.worker.postMessage({ op: "drop", keyId });
  }

  /** Open one item on the least busy worker; rejects with PROTOCOL errors as NotificationKeyring.decrypt. */
  decrypt(job: DecryptJob): Promise<unknown> {
    const slot = this.pick();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ op: "open", id, ...job });
    });
  }

  private fill(): void {
    while (this.slots.length < this.size) this.slots.push(this.spawn());
  }

  private pick(): Slot {
    this.fill();
    let best = this.slots[0];
    for (const s of this.slots) if (s.pending.size < best.pending.size) best = s;
    return best;
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const slot: Slot = { worker, pending: new Map() };
    for (const [keyId, pem] of this.keys) worker.postMessage({ op: "key", keyId, pem });
    worker.on("message", (r: Reply) => {
      const p = slot.pending.get(r.id);
      if (!p) return;
      slot.pending.delete(r.id);
      if (r.error === undefined) p.resolve(r.value);
      else p.reject(replyError(r));
    });
    const lost = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      for (const p of slot.pending.values()) p.reject(new HubError("INTERNAL", `Decryption worker ${why}`));
      slot.pending.clear();
    };
    worker.on("error", (e) => {
      this.log.error({ err: e.message }, "decryption worker failed; a new one takes over");
      lost("failed");
    });
    worker.on("exit", () => lost("exited"));
    // Idle workers must not keep the process alive (CLI commands, tests); after the listeners, which ref.
    worker.unref();
    return slot;
  }
}

function replyError(r: Reply): HubError {
  switch (r.error) {
    case "key":
      return new HubError("PROTOCOL", "Notification encrypted for a certificate the hub no longer holds");
    case "dataKey":
      return new HubError("PROTOCOL", "Notification dataKey cannot be decrypted", { cause: r.message });
    case "signature":
      return new HubError("PROTOCOL", "Notification dataSignature does not match; item dropped");
    default:
      return new HubError("PROTOCOL", "Notification data cannot be decrypted", { cause: r.message });
  }
}

let shared: DecryptPool | undefined;

/** The process's pool (created on first use; its workers start with the first key). */
export function decryptPool(): DecryptPool {
  shared ??= new DecryptPool();
  return shared;
}
