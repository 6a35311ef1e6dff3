// The CPU ceiling of Teams → PBX with rich notifications: RSA-OAEP-2048 (SHA-1) private-key decryptions of
// a 32-byte data key per second, on every core of this machine at once — one worker thread per core, each
// running node:crypto privateDecrypt in a tight loop (the same OpenSSL operation the hub's WebCrypto
// decrypt runs per item on libuv's thread pool).
// Hub throughput is reported as a ratio of it (`ratioToRsa`), so the number travels across machines.
import { constants, generateKeyPairSync, publicEncrypt, randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

// Plain JavaScript, evaluated in the worker (no tsx loader needed there).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createPrivateKey, privateDecrypt, constants } = require("node:crypto");
const key = createPrivateKey(workerData.pem);
const blobs = workerData.blobs.map((b) => Buffer.from(b, "base64"));
const opts = { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" };
for (let i = 0; i < 8; i++) privateDecrypt(opts, blobs[i % blobs.length]); // warm-up
parentPort.once("message", (durationMs) => {
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < durationMs) privateDecrypt(opts, blobs[n++ % blobs.length]);
  parentPort.postMessage({ n, ms: performance.now() - t0 });
});
parentPort.postMessage("ready");
`;

/** Decryptions per second summed over `threads` workers (default: one per core) running at the same time. */
export async function measureRsaReference(durationMs = 2000, threads = availableParallelism()): Promise<{ perSec: number; threads: number; perThread: number }> {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  const blobs = Array.from({ length: 32 }, () =>
    publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, randomBytes(32)).toString("base64"),
  );
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { pem, blobs } }));
  try {
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once("message", resolve))));
    const done = workers.map((w) => new Promise<{ n: number; ms: number }>((resolve, reject) => {
      w.once("message", resolve);
      w.once("error", reject);
    }));
    for (const w of workers) w.postMessage(durationMs);
    const results = await Promise.all(done);
    const perSec = results.reduce((a, r) => a + (r.n / r.ms) * 1000, 0);
    return { perSec, threads, perThread: perSec / threads };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
